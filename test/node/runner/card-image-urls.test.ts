import { describe, expect, it } from "vitest";
import { cardImagesOf, imagesToSync, newImages } from "../../../gateway-runner/card-image-urls.ts";
import { binaryString, CARD_IMAGE_KEY, cardImageKey } from "../../../schemas/card-images.ts";
import { cardImageUrls } from "../../../workers/cards/images.ts";
import { cardOptions } from "../../../workers/cards/options.ts";
import { ACTIVITIES, lanternOnline, online, SHAPING, USERS } from "../../fixtures/discord-presences.ts";

/**
 * The runner's half of card images, without a runtime: the URLs it fetches must be the URLs the
 * card fetches (or the card never finds them in R2), and only a change of URL fetches anything.
 */

const ada = USERS.ada;
const JOINED = { joined_at: "2024-01-02T00:00:00.000Z" };

describe("cardImageKey", () => {
  it("is the SHA-256 of the URL in hex: fixed length, one per URL", async () => {
    const url = "https://cdn.test/avatars/1/a.png?size=128";
    const key = await cardImageKey(url);
    expect(key).toMatch(CARD_IMAGE_KEY);
    expect(key).toBe(await cardImageKey(url));
    expect(key).not.toBe(await cardImageKey(url.replace("128", "64")));
    // SHA-256("") is well known: the digest is the plain one, not salted or truncated.
    expect(await cardImageKey("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("signs an image as one character per byte", () => {
    expect(binaryString(new Uint8Array([0, 0x89, 0xff]))).toBe("\u0000\u0089\u00ff");
  });
});

describe("cardImagesOf", () => {
  it("gives a profile's avatar and server tag badge at the card's sizes", () => {
    expect(cardImagesOf({ userId: ada.id, user: ada }, SHAPING)).toEqual({
      profile: [
        `https://cdn.test/avatars/${ada.id}/${ada.avatar}.png?size=128`,
        `https://cdn.test/guild-tag-badges/1180000000000000001/${ada.primary_guild.badge}.png?size=32`,
      ],
    });
  });

  it("asks for an animated avatar as its still PNG, and a default avatar as it is", () => {
    const animated = { ...ada, avatar: `a_${"0".repeat(32)}`, primary_guild: null };
    expect(cardImagesOf({ userId: ada.id, user: animated }, SHAPING).profile).toEqual([
      `https://cdn.test/avatars/${ada.id}/a_${"0".repeat(32)}.png?size=128`,
    ]);
    const linus = USERS.linus;
    expect(cardImagesOf({ userId: linus.id, user: linus }, SHAPING).profile).toEqual([
      "https://cdn.test/embed/avatars/2.png",
    ]);
  });

  it("gives a presence's activity images and emoji, Spotify art at 300 px and the next activity too", () => {
    const presence = online(
      ACTIVITIES.customStatusCustomEmoji,
      ACTIVITIES.spotifyTwoArtists,
      ACTIVITIES.gameWithAssets,
    );
    const urls = cardImagesOf({ userId: ada.id, presence }, SHAPING).presence!;
    // With hideSpotify a card shows the game instead, so its images are wanted as well.
    expect(urls).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^https:\/\/scdn\.test\/image\/ab67616d00001e02/),
        "https://cdn.test/app-assets/383226320970055681/565945077491433494.png?size=128",
        "https://cdn.test/app-assets/383226320970055681/565945770067623946.png?size=64",
        "https://cdn.test/emojis/851864214427156490.gif?size=64",
      ]),
    );
    expect(urls).toHaveLength(4);
  });

  it("names every image a card of the user fetches, under any options", () => {
    const activities = [
      ACTIVITIES.customStatusCustomEmoji,
      ACTIVITIES.spotifyTwoArtists,
      ACTIVITIES.gameMediaProxy,
    ];
    const user = lanternOnline(activities);
    const facets = cardImagesOf({ userId: ada.id, user: ada, presence: online(...activities) }, SHAPING);
    const runner = new Set([...facets.profile!, ...facets.presence!]);
    for (const query of [{}, { hideSpotify: true }, { hideServerTag: true }, { hideActivity: true }]) {
      for (const url of Object.values(cardImageUrls(user, cardOptions(query), SHAPING)))
        if (url) expect(runner).toContain(url);
    }
  });
});

describe("imagesToSync", () => {
  const first = {
    userId: ada.id,
    user: ada,
    membership: JOINED,
    presence: online(ACTIVITIES.gameWithAssets),
  };

  it("fetches everything a member's first update shows", () => {
    const { known, fetch } = imagesToSync(undefined, first, SHAPING);
    expect(fetch).toHaveLength(4);
    expect(known).toEqual({ ...cardImagesOf(first, SHAPING), member: true });
  });

  it("fetches only what changed: a new avatar, not the unchanged game", () => {
    const { known } = imagesToSync(undefined, first, SHAPING);
    const same = imagesToSync(
      known,
      { userId: ada.id, presence: online(ACTIVITIES.gameWithAssets) },
      SHAPING,
    );
    expect(same.fetch).toEqual([]);
    const avatar = "f".repeat(32);
    const changed = imagesToSync(same.known, { userId: ada.id, user: { ...ada, avatar } }, SHAPING);
    expect(changed.fetch).toEqual([`https://cdn.test/avatars/${ada.id}/${avatar}.png?size=128`]);
    // The presence's images stay known: a profile update says nothing of them.
    expect(changed.known?.presence).toEqual(known?.presence);
  });

  it("fetches nothing until the user is known as a member, then all their images at once", () => {
    const { membership: _, ...seen } = first;
    const before = imagesToSync(undefined, seen, SHAPING);
    expect(before.fetch).toEqual([]);
    expect(before.known?.member).toBe(false);
    const listed = imagesToSync(before.known, { userId: ada.id, membership: JOINED }, SHAPING);
    expect(listed.fetch).toEqual(imagesToSync(undefined, first, SHAPING).fetch);
  });

  it("forgets a member who leaves", () => {
    const { known } = imagesToSync(undefined, first, SHAPING);
    expect(imagesToSync(known, { userId: ada.id, membership: null }, SHAPING)).toEqual({
      known: undefined,
      fetch: [],
    });
  });

  it("newImages keeps next's order and drops what was had", () => {
    expect(newImages(["a", "b"], ["b", "c", "a", "d"])).toEqual(["c", "d"]);
    expect(newImages(undefined, ["a"])).toEqual(["a"]);
  });
});
