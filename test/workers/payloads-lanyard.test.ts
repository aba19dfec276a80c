import { describe, expect, it } from "vitest";
import { lanyardPresence } from "../../durable-objects/payloads/lanyard.ts";
import type { DiscordProfile, Presence } from "../../schemas/ingest.ts";
import {
  ACTIVITIES,
  MALFORMED_ACTIVITIES,
  OFFLINE,
  online,
  SHAPING,
  USERS,
  userState,
} from "../fixtures/discord-presences.ts";

function shape(presence: Presence, profile: DiscordProfile = USERS.ada, kv: Record<string, string> = {}) {
  return lanyardPresence(userState(profile, presence), kv, SHAPING);
}

describe("lanyardPresence discord_user", () => {
  it("is Discord's user, with display_name and the server tag under both its names", () => {
    expect(shape(online()).discord_user).toEqual({
      id: "1090210823371870208",
      username: "ada",
      avatar: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
      discriminator: "0",
      global_name: "Ada",
      display_name: "Ada",
      bot: false,
      public_flags: 64,
      avatar_decoration_data: { asset: "a_d3da36040163ee0f9176dfe7ced45cdc", sku_id: "1144058522808614923" },
      primary_guild: USERS.ada.primary_guild,
      clan: USERS.ada.primary_guild,
    });
  });

  it.each([
    { user: USERS.linus, display_name: null, bot: false },
    { user: USERS.bot, display_name: null, bot: true },
    { user: USERS.grace, display_name: "Grace 🌙", bot: false },
  ])("$user.username", ({ user, display_name, bot }) => {
    expect(shape(online(), user).discord_user).toMatchObject({
      avatar: user.avatar,
      discriminator: user.discriminator,
      display_name,
      bot,
      public_flags: user.public_flags,
      primary_guild: user.primary_guild,
      clan: user.primary_guild,
    });
  });
});

describe("lanyardPresence status", () => {
  it.each<{ name: string; presence: Presence; expected: Record<string, unknown> }>([
    {
      name: "offline",
      presence: OFFLINE,
      expected: {
        discord_status: "offline",
        active_on_discord_desktop: false,
        active_on_discord_mobile: false,
        active_on_discord_web: false,
        active_on_discord_embedded: false,
        active_on_discord_vr: false,
      },
    },
    {
      name: "on mobile and a console",
      presence: { status: "idle", client_status: { mobile: "idle", embedded: "idle" }, activities: [] },
      expected: {
        discord_status: "idle",
        active_on_discord_desktop: false,
        active_on_discord_mobile: true,
        active_on_discord_web: false,
        active_on_discord_embedded: true,
        active_on_discord_vr: false,
      },
    },
    {
      name: "on desktop, web and VR",
      presence: {
        status: "dnd",
        client_status: { desktop: "dnd", web: "dnd", vr: "dnd", mobile: "offline" },
        activities: [],
      },
      expected: {
        discord_status: "dnd",
        active_on_discord_desktop: true,
        active_on_discord_mobile: false,
        active_on_discord_web: true,
        active_on_discord_embedded: false,
        active_on_discord_vr: true,
      },
    },
  ])("$name", ({ presence, expected }) => {
    expect(shape(presence)).toMatchObject(expected);
  });
});

describe("lanyardPresence Spotify", () => {
  it.each([
    {
      name: "several artists, joined as Discord sends them",
      activity: ACTIVITIES.spotifyTwoArtists,
      expected: {
        track_id: "3kdlVcMVsSkbsUy8eQcBjI",
        song: "Let Go",
        artist: "Ark Patrol; Veronika Redd",
        album: "Let Go",
        album_art_url: "https://scdn.test/image/ab67616d0000b27364840995fe43bb2ec73a241d",
        timestamps: ACTIVITIES.spotifyTwoArtists.timestamps,
      },
    },
    {
      name: "one artist",
      activity: ACTIVITIES.spotifyOneArtist,
      expected: {
        track_id: "1eyzqe2QqGZUmfcPZtrIyt",
        song: "Midnight City",
        artist: "M83",
        album: "Hurry Up, We're Dreaming",
        album_art_url: "https://scdn.test/image/ab67616d0000b273fff2cb485c36a6d8f639bdba",
        timestamps: ACTIVITIES.spotifyOneArtist.timestamps,
      },
    },
    {
      name: "a local file, as nulls",
      activity: ACTIVITIES.spotifyLocalFile,
      expected: {
        track_id: null,
        song: "field-recording-2019-07-04",
        artist: null,
        album: null,
        album_art_url: null,
        timestamps: ACTIVITIES.spotifyLocalFile.timestamps,
      },
    },
  ])("$name", ({ activity, expected }) => {
    const presence = shape(online(ACTIVITIES.customStatusNoEmoji, activity));
    expect(presence.listening_to_spotify).toBe(true);
    expect(presence.spotify).toEqual(expected);
  });

  it.each([
    { name: "not listening", activities: [ACTIVITIES.gameWithAssets] },
    { name: "an app that calls itself Spotify", activities: [ACTIVITIES.fakeSpotify] },
  ])("$name", ({ activities }) => {
    const presence = shape(online(...activities));
    expect(presence.listening_to_spotify).toBe(false);
    expect(presence.spotify).toBeNull();
  });
});

describe("lanyardPresence activities and kv", () => {
  it("passes Discord's activities through untouched, in order", () => {
    const activities = [
      ACTIVITIES.customStatusCustomEmoji,
      ACTIVITIES.spotifyTwoArtists,
      ACTIVITIES.streaming,
    ];
    const presence = shape(online(...activities));
    expect(presence.activities).toEqual(activities);
    presence.activities.forEach((activity, index) => {
      expect(activity).toBe(activities[index]);
    });
  });

  it("passes malformed activities through too, leaving out only entries that are not objects", () => {
    const presence = shape(online(...MALFORMED_ACTIVITIES));
    const objects = MALFORMED_ACTIVITIES.filter(
      (entry) => typeof entry === "object" && entry !== null && !Array.isArray(entry),
    );
    expect(objects).toHaveLength(MALFORMED_ACTIVITIES.length - 3);
    expect(presence.activities).toEqual(objects);
  });

  it("kv is the pairs object itself (the user's object replaces it on a write, never mutates it)", () => {
    const kv = { location: "Los Angeles, CA" };
    const presence = shape(online(), USERS.ada, kv);
    expect(presence.kv).toBe(kv);
  });
});
