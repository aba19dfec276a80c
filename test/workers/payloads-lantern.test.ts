import { describe, expect, it } from "vitest";
import { withCurrentTime } from "../../durable-objects/payloads/current-time.ts";
import { lanternUser } from "../../durable-objects/payloads/lantern.ts";
import { lanyardPresence } from "../../durable-objects/payloads/lanyard.ts";
import type { LanternActivity, LanternCustomStatus } from "../../schemas/lantern.ts";
import {
  ACTIVITIES,
  FIXTURE_NOW,
  lanternOnline,
  MALFORMED_ACTIVITIES,
  OFFLINE,
  online,
  SHAPING,
  USERS,
  userState,
} from "../fixtures/discord-presences.ts";

function time(ms: number) {
  return { unix: Math.floor(ms / 1000), raw: new Date(ms).toISOString() };
}

describe("lanternUser metadata", () => {
  it.each([
    {
      user: USERS.ada,
      avatar_url: "https://cdn.test/avatars/1090210823371870208/a1b2c3d4e5f60718293a4b5c6d7e8f90.png",
      display_avatar_url: "https://cdn.test/avatars/1090210823371870208/a1b2c3d4e5f60718293a4b5c6d7e8f90.png",
      global_name: "Ada",
      bot: false,
      human_readable: ["HypeSquadOnlineHouse1"],
    },
    {
      // New-username user without an avatar: default avatar (id >> 22) % 6 = 2.
      user: USERS.linus,
      avatar_url: null,
      display_avatar_url: "https://cdn.test/embed/avatars/2.png",
      global_name: null,
      bot: false,
      human_readable: [],
    },
    {
      user: USERS.grace,
      avatar_url: "https://cdn.test/avatars/872563402107281450/a_0f1e2d3c4b5a69788796a5b4c3d2e1f0.gif",
      display_avatar_url:
        "https://cdn.test/avatars/872563402107281450/a_0f1e2d3c4b5a69788796a5b4c3d2e1f0.gif",
      global_name: "Grace 🌙",
      bot: false,
      human_readable: ["PremiumEarlySupporter", "VerifiedDeveloper"],
    },
    {
      // Legacy discriminator: default avatar 7684 % 5 = 4.
      user: USERS.bot,
      avatar_url: null,
      display_avatar_url: "https://cdn.test/embed/avatars/4.png",
      global_name: null,
      bot: true,
      human_readable: ["VerifiedBot", "BotHTTPInteractions"],
    },
  ])("$user.username", ({ user, ...expected }) => {
    const { metadata } = lanternOnline([], user);
    expect(metadata).toMatchObject({
      id: user.id,
      username: user.username,
      discriminator: user.discriminator,
      avatar: user.avatar,
      avatar_url: expected.avatar_url,
      display_avatar_url: expected.display_avatar_url,
      global_name: expected.global_name,
      bot: expected.bot,
      flags: { human_readable: expected.human_readable, bitfield: user.public_flags },
      monitoring_since: { unix: 1704153600, raw: "2024-01-02T00:00:00.000Z" },
    });
  });

  it("names every flag bit, including those above bit 31, and skips a bit with no name", () => {
    const { flags } = lanternOnline([], USERS.everyFlag).metadata;
    expect(flags.bitfield).toBe(USERS.everyFlag.public_flags);
    expect(flags.human_readable).toEqual([
      "Staff",
      "Partner",
      "Hypesquad",
      "BugHunterLevel1",
      "MFASMS",
      "PremiumPromoDismissed",
      "HypeSquadOnlineHouse1",
      "HypeSquadOnlineHouse2",
      "HypeSquadOnlineHouse3",
      "PremiumEarlySupporter",
      "TeamPseudoUser",
      "HasUnreadUrgentMessages",
      "BugHunterLevel2",
      "VerifiedBot",
      "VerifiedDeveloper",
      "CertifiedModerator",
      "BotHTTPInteractions",
      "Spammer",
      "DisablePremium",
      "ActiveDeveloper",
      "Quarantined",
      "Collaborator",
      "RestrictedCollaborator",
    ]);
  });

  it("monitoring_since is null when unknown or unreadable", () => {
    for (const monitoring_since of [null, "not a date"]) {
      const user = lanternUser(userState(USERS.ada, OFFLINE, { monitoring_since }), {}, SHAPING, FIXTURE_NOW);
      expect(user.metadata.monitoring_since).toBeNull();
    }
  });
});

describe("lanternUser status and platforms", () => {
  it("an offline user has status and every platform offline, and when they were last seen", () => {
    const lastSeen = FIXTURE_NOW - 600_000;
    const user = lanternUser(
      userState(USERS.ada, OFFLINE, { last_seen_at: lastSeen }),
      {},
      SHAPING,
      FIXTURE_NOW,
    );
    expect(user.status).toBe("offline");
    expect(user.active_platforms).toEqual({
      desktop: "offline",
      mobile: "offline",
      web: "offline",
      embedded: "offline",
      vr: "offline",
      spotify: null,
    });
    expect(user.activities).toEqual([]);
    expect(user.last_seen_at).toEqual(time(lastSeen));
  });

  it("last_seen_at is null while online, whatever the state still holds", () => {
    const state = userState(USERS.ada, online(), { last_seen_at: FIXTURE_NOW - 600_000 });
    expect(lanternUser(state, {}, SHAPING, FIXTURE_NOW).last_seen_at).toBeNull();
  });

  it("each platform shows Discord's status for it", () => {
    const presence = {
      status: "dnd" as const,
      client_status: { mobile: "idle" as const, web: "dnd" as const, vr: "online" as const },
      activities: [],
    };
    const user = lanternUser(userState(USERS.ada, presence), {}, SHAPING, FIXTURE_NOW);
    expect(user.status).toBe("dnd");
    expect(user.active_platforms).toMatchObject({
      desktop: "offline",
      mobile: "idle",
      web: "dnd",
      embedded: "offline",
      vr: "online",
    });
  });
});

describe("lanternUser Spotify", () => {
  const twoArtists = ACTIVITIES.spotifyTwoArtists.timestamps;
  const oneArtist = ACTIVITIES.spotifyOneArtist.timestamps;
  const localFile = ACTIVITIES.spotifyLocalFile.timestamps;

  it.each([
    {
      name: "several artists, as an array",
      activity: ACTIVITIES.spotifyTwoArtists,
      expected: {
        track_id: "3kdlVcMVsSkbsUy8eQcBjI",
        song: "Let Go",
        artist: ["Ark Patrol", "Veronika Redd"],
        album: "Let Go",
        album_cover: "https://scdn.test/image/ab67616d0000b27364840995fe43bb2ec73a241d",
        start_time: time(twoArtists.start),
        end_time: time(twoArtists.end),
        time: { current_human_readable: "1:23", end_human_readable: "4:08" },
      },
    },
    {
      name: "one artist, as a string",
      activity: ACTIVITIES.spotifyOneArtist,
      expected: {
        track_id: "1eyzqe2QqGZUmfcPZtrIyt",
        song: "Midnight City",
        artist: "M83",
        album: "Hurry Up, We're Dreaming",
        album_cover: "https://scdn.test/image/ab67616d0000b273fff2cb485c36a6d8f639bdba",
        start_time: time(oneArtist.start),
        end_time: time(oneArtist.end),
        time: { current_human_readable: "3:20", end_human_readable: "4:03" },
      },
    },
    {
      name: "a local file over an hour long",
      activity: ACTIVITIES.spotifyLocalFile,
      expected: {
        track_id: null,
        song: "field-recording-2019-07-04",
        artist: null,
        album: null,
        album_cover: null,
        start_time: time(localFile.start),
        end_time: time(localFile.end),
        time: { current_human_readable: "0:30", end_human_readable: "1:02:05" },
      },
    },
  ])("$name", ({ activity, expected }) => {
    expect(lanternOnline([ACTIVITIES.customStatusNoEmoji, activity]).active_platforms.spotify).toEqual(
      expected,
    );
  });

  it("an app that calls itself Spotify is an activity, not a track", () => {
    const user = lanternOnline([ACTIVITIES.fakeSpotify]);
    expect(user.active_platforms.spotify).toBeNull();
    expect(user.activities).toMatchObject([{ name: "Spotify", state: "Not a real artist" }]);
  });

  it("the position stays on the track when the clock is before its start or after its end", () => {
    const before = lanternOnline([ACTIVITIES.spotifyTwoArtists], USERS.ada, twoArtists.start - 5_000);
    const after = lanternOnline([ACTIVITIES.spotifyTwoArtists], USERS.ada, twoArtists.end + 3_600_000);
    expect(before.active_platforms.spotify?.time.current_human_readable).toBe("0:00");
    expect(after.active_platforms.spotify?.time.current_human_readable).toBe("4:08");
  });
});

describe("lanternUser activities", () => {
  it.each<{ name: string; activity: unknown; expected: LanternActivity | LanternCustomStatus }>([
    {
      name: "custom status with a unicode emoji",
      activity: ACTIVITIES.customStatusUnicodeEmoji,
      expected: {
        name: "Custom Status",
        type: 4,
        emoji: { name: "🌱", id: null, animated: false, image_url: null },
        text: "touching grass",
        start_time: time(FIXTURE_NOW - 3_600_000),
        end_time: null,
      },
    },
    {
      name: "custom status with a custom animated emoji",
      activity: ACTIVITIES.customStatusCustomEmoji,
      expected: {
        name: "Custom Status",
        type: 4,
        emoji: {
          name: "blobcatcozy",
          id: "851864214427156490",
          animated: true,
          image_url: "https://cdn.test/emojis/851864214427156490.gif",
        },
        text: "cozy",
        start_time: time(FIXTURE_NOW - 3_600_000),
        end_time: null,
      },
    },
    {
      name: "custom status without an emoji",
      activity: ACTIVITIES.customStatusNoEmoji,
      expected: {
        name: "Custom Status",
        type: 4,
        emoji: null,
        text: "heads down until friday",
        start_time: time(FIXTURE_NOW - 3_600_000),
        end_time: null,
      },
    },
    {
      name: "game with uploaded assets and a start",
      activity: ACTIVITIES.gameWithAssets,
      expected: {
        id: "66b84f5317e9de6c",
        name: "Visual Studio Code",
        type: 0,
        url: null,
        state: "Workspace: lanyard",
        details: "Editing README.md",
        application_id: "383226320970055681",
        created_at: Math.floor((FIXTURE_NOW - 3_724_000) / 1000),
        assets: {
          large_image: {
            hash: "565945077491433494",
            image_url: "https://cdn.test/app-assets/383226320970055681/565945077491433494.png",
            text: "Editing a MARKDOWN file",
          },
          small_image: {
            hash: "565945770067623946",
            image_url: "https://cdn.test/app-assets/383226320970055681/565945770067623946.png",
            text: "Visual Studio Code",
          },
        },
        timestamps: { start_time: time(FIXTURE_NOW - 3_725_000), end_time: null },
      },
    },
    {
      name: "game with media-proxy assets",
      activity: ACTIVITIES.gameMediaProxy,
      expected: {
        id: "d41d8cd98f00b204",
        name: "Roblox",
        type: 0,
        url: null,
        state: null,
        details: "Playing Blox Fruits",
        application_id: "363445589247131668",
        created_at: Math.floor((FIXTURE_NOW - 600_000) / 1000),
        assets: {
          large_image: {
            hash: ACTIVITIES.gameMediaProxy.assets.large_image,
            image_url: `https://media.test/${ACTIVITIES.gameMediaProxy.assets.large_image.slice("mp:".length)}`,
            text: "Blox Fruits",
          },
          small_image: {
            hash: ACTIVITIES.gameMediaProxy.assets.small_image,
            image_url: `https://media.test/${ACTIVITIES.gameMediaProxy.assets.small_image.slice("mp:".length)}`,
            text: "linus",
          },
        },
        timestamps: { start_time: time(FIXTURE_NOW - 600_000), end_time: null },
      },
    },
    {
      name: "countdown with an end and no start",
      activity: ACTIVITIES.endOnlyTimestamps,
      expected: {
        id: "0f9e8d7c6b5a4f3e",
        name: "Tetris Effect: Connected",
        type: 0,
        url: null,
        state: null,
        details: "Zone Battle",
        application_id: "713097486125498368",
        created_at: Math.floor((FIXTURE_NOW - 60_000) / 1000),
        timestamps: { start_time: null, end_time: time(FIXTURE_NOW + 300_000) },
      },
    },
    {
      name: "stream with a URL and a twitch: asset",
      activity: ACTIVITIES.streaming,
      expected: {
        id: "b8fe8ae35e1d4a0b",
        name: "Twitch",
        type: 1,
        url: "https://www.twitch.tv/lofigirl",
        state: "Music",
        details: "lofi hip hop radio 📚 beats to relax/study to",
        application_id: null,
        created_at: Math.floor((FIXTURE_NOW - 7_200_000) / 1000),
        assets: {
          large_image: { hash: "twitch:lofigirl", image_url: null, text: null },
          small_image: { hash: null, image_url: null, text: null },
        },
      },
    },
    {
      name: "Spotify, listed among the activities too",
      activity: ACTIVITIES.spotifyOneArtist,
      expected: {
        id: "spotify:1",
        name: "Spotify",
        type: 2,
        url: null,
        state: "M83",
        details: "Midnight City",
        application_id: null,
        created_at: Math.floor((FIXTURE_NOW - 199_000) / 1000),
        assets: {
          large_image: {
            hash: "spotify:ab67616d0000b273fff2cb485c36a6d8f639bdba",
            image_url: "https://scdn.test/image/ab67616d0000b273fff2cb485c36a6d8f639bdba",
            text: "Hurry Up, We're Dreaming",
          },
          small_image: { hash: null, image_url: null, text: null },
        },
        timestamps: {
          start_time: time(ACTIVITIES.spotifyOneArtist.timestamps.start),
          end_time: time(ACTIVITIES.spotifyOneArtist.timestamps.end),
        },
      },
    },
  ])("$name", ({ activity, expected }) => {
    expect(lanternOnline([activity]).activities).toEqual([expected]);
  });

  it("keeps Discord's order", () => {
    const user = lanternOnline([
      ACTIVITIES.customStatusUnicodeEmoji,
      ACTIVITIES.gameWithAssets,
      ACTIVITIES.spotifyTwoArtists,
    ]);
    expect(user.activities.map((activity) => activity.name)).toEqual([
      "Custom Status",
      "Visual Studio Code",
      "Spotify",
    ]);
  });
});

describe("lanternUser with malformed activities", () => {
  const user = lanternOnline([...MALFORMED_ACTIVITIES, ACTIVITIES.gameWithAssets]);
  const byName = (name: string) => user.activities.filter((activity) => activity.name === name);

  it("drops entries that are not objects or lack a string name or a whole-number type", () => {
    expect(user.activities.map((activity) => activity.name)).toEqual([
      "Timestamps As String",
      "Assets As Array",
      "Wrong Types",
      "Huge Details",
      "Custom Status",
      "Custom Status",
      "Visual Studio Code",
    ]);
  });

  it("leaves out timestamps and assets that are not objects", () => {
    expect(byName("Timestamps As String")[0]).not.toHaveProperty("timestamps");
    expect(byName("Assets As Array")[0]).not.toHaveProperty("assets");
  });

  it("reads every field of the wrong type as null, and builds no URL from a bad asset", () => {
    expect(byName("Wrong Types")[0]).toEqual({
      id: null,
      name: "Wrong Types",
      type: 0,
      url: null,
      state: null,
      details: null,
      application_id: null,
      created_at: null,
      assets: {
        large_image: { hash: null, image_url: null, text: null },
        small_image: { hash: "../../etc/passwd", image_url: null, text: null },
      },
    });
  });

  it("reads a huge string as null, keeping payloads small", () => {
    expect(byName("Huge Details")[0]).toMatchObject({ details: null });
    expect(JSON.stringify(user).length).toBeLessThan(10_000);
  });

  it("reads a custom status's bad emoji and times as null", () => {
    expect(byName("Custom Status")).toEqual([
      { name: "Custom Status", type: 4, emoji: null, text: null, start_time: null, end_time: null },
      {
        name: "Custom Status",
        type: 4,
        emoji: null,
        text: "empty emoji",
        start_time: time(FIXTURE_NOW),
        end_time: null,
      },
    ]);
  });

  it("still shapes the well-formed activity after them", () => {
    expect(byName("Visual Studio Code")[0]).toMatchObject({ application_id: "383226320970055681" });
  });
});

describe("lanternUser storage and server tag", () => {
  it("storage is the pairs object itself, shared with Lanyard's kv so an RPC carries it once", () => {
    const kv = { location: "Los Angeles, CA", theme: "dark" };
    const state = userState(USERS.ada, online());
    const user = lanternUser(state, kv, SHAPING, FIXTURE_NOW);
    expect(user.storage).toBe(kv);
    expect(lanyardPresence(state, kv, SHAPING).kv).toBe(user.storage);
  });

  it.each([
    {
      user: USERS.ada,
      expected: {
        guild_id: "1180000000000000001",
        name: "LNYD",
        icon_url:
          "https://cdn.test/guild-tag-badges/1180000000000000001/2e3f7f2b0a5c4d6e8f9a0b1c2d3e4f5a.png",
      },
    },
    { user: USERS.linus, expected: null }, // has a tag but has switched it off
    { user: USERS.grace, expected: null }, // has none
  ])("server tag for $user.username", ({ user, expected }) => {
    expect(lanternOnline([], user).server_tag).toEqual(expected);
  });

  it("a profile not yet seen still shapes, from the user id", () => {
    const state = { ...userState(USERS.ada, online()), profile: null };
    const user = lanternUser(state, {}, SHAPING, FIXTURE_NOW);
    expect(user.metadata).toMatchObject({ id: USERS.ada.id, username: "", avatar_url: null });
  });
});

describe("withCurrentTime", () => {
  const built = lanternOnline([ACTIVITIES.spotifyTwoArtists, ACTIVITIES.gameWithAssets]);
  const { start, end } = ACTIVITIES.spotifyTwoArtists.timestamps;

  it.each([
    { offset: 5_000, current: "0:05" },
    { offset: 125_999, current: "2:05" },
    { offset: end - start + 60_000, current: "4:08" },
    { offset: -60_000, current: "0:00" },
  ])("$offset ms after the track started reads $current", ({ offset, current }) => {
    const refreshed = withCurrentTime(built, start + offset);
    expect(refreshed.active_platforms.spotify?.time).toEqual({
      current_human_readable: current,
      end_human_readable: "4:08",
    });
  });

  it("changes nothing else and leaves the cached payload as it was", () => {
    const before = JSON.stringify(built);
    const refreshed = withCurrentTime(built, start + 5_000);
    expect(JSON.stringify(built)).toBe(before);
    expect(refreshed.metadata).toBe(built.metadata);
    expect(refreshed.activities).toBe(built.activities);
    expect({ ...refreshed.active_platforms.spotify, time: null }).toEqual({
      ...built.active_platforms.spotify,
      time: null,
    });
  });

  it("returns a user who is not listening as is", () => {
    const user = lanternOnline([ACTIVITIES.gameWithAssets]);
    expect(withCurrentTime(user, FIXTURE_NOW + 60_000)).toBe(user);
  });
});
