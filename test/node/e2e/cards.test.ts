import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CardStack, nextVersion, startCardStack } from "../../../bench/lib/card-stack.ts";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { findAll, parseXml, texts } from "../../workers/cards-xml.ts";
import { decodeJpeg, decodePng } from "../emulator/cdn-decoders.ts";

/**
 * Profile cards end to end: the Worker under wrangler dev fetches real images from the emulator's
 * CDN (through a counting pass-through), inlines them, and caches both the images and the cards.
 */

let stack: CardStack;
const [ada, grace] = SEED_MEMBERS;

beforeAll(async () => {
  stack = await startCardStack();
  await stack.ingestSeededMembers();
}, 120_000);
afterAll(() => stack?.stop());

async function card(userId: string, query = "") {
  const res = await fetch(stack.cardUrl(userId, query));
  const svg = await res.text();
  return { res, svg, root: parseXml(svg) };
}

/** The bytes of each inlined image, in document order, with the type its data URI declares. */
function inlined(svg: string) {
  return findAll(parseXml(svg), "image").map((image) => {
    const [, type, data] = /^data:(image\/[a-z]+);base64,(.*)$/.exec(image.attributes.href!)!;
    return { type: type!, bytes: new Uint8Array(Buffer.from(data!, "base64")) };
  });
}

describe("cards against the emulator's CDN", () => {
  it("a Spotify listener's card inlines the real avatar and album art, each fetched once at its card size", async () => {
    stack.cdn.reset();
    const { res, svg, root } = await card(ada!.id);
    expect(res.status).toBe(200);
    expect(texts(root)).toEqual(
      expect.arrayContaining(["Ada", "LISTENING TO SPOTIFY", "Let Go", "by Ark Patrol, Veronika Redd"]),
    );
    const [avatar, art] = inlined(svg);
    expect(avatar!.type).toBe("image/png");
    expect(decodePng(avatar!.bytes)).toMatchObject({ width: 128, height: 128 });
    expect(art!.type).toBe("image/jpeg");
    expect(decodeJpeg(art!.bytes)).toMatchObject({ width: 64, height: 64 });
    expect(stack.cdn.requests.sort()).toEqual([
      `/avatars/${ada!.id}/${ada!.avatar}.png?size=128`,
      "/image/ab67616d00001e0264840995fe43bb2ec73a241d",
    ]);
  });

  it("repeat views come from the edge cache and fetch nothing", async () => {
    await card(ada!.id);
    stack.cdn.reset();
    for (let i = 0; i < 5; i++) {
      const { res } = await card(ada!.id);
      expect(res.headers.get("x-porchlight-cache")).toBe("hit");
    }
    expect(stack.cdn.requests).toEqual([]);
  });

  it("a game's large and small images and an animated avatar's still frame are inlined", async () => {
    stack.cdn.reset();
    const { svg, root } = await card(grace!.id, "theme=light");
    expect(texts(root)).toEqual(
      expect.arrayContaining(["PLAYING", "Celeste", "Chapter 7: The Summit", "B-Side", "🚀 shipping things"]),
    );
    expect(inlined(svg).map((image) => image.type)).toEqual(["image/png", "image/png", "image/png"]);
    expect(stack.cdn.requests.sort()).toEqual([
      "/app-assets/1200000000000000001/1200000000000000101.png?size=128",
      "/app-assets/1200000000000000001/1200000000000000102.png?size=64",
      `/avatars/${grace!.id}/${grace!.avatar}.png?size=128`,
    ]);
  });

  it("a custom emoji is inlined; a presence change redraws at once without refetching images", async () => {
    const id = SEED_MEMBERS[4]!.id;
    const status = (emojiId: string, text: string) => ({
      user_id: id,
      version: nextVersion(),
      presence: {
        status: "online" as const,
        client_status: { desktop: "online" as const },
        activities: [
          { type: 4, name: "Custom Status", state: text, emoji: { name: "blobwave", id: emojiId } },
        ],
      },
    });
    await stack.ingest([status("1200000000000000501", "first")]);
    stack.cdn.reset();
    const first = await card(id);
    expect(texts(first.root)).toContain("first");
    expect(inlined(first.svg).map((image) => image.type)).toEqual(["image/png", "image/png"]);
    expect(stack.cdn.requests).toContain("/emojis/1200000000000000501.png?size=64");

    await stack.ingest([status("1200000000000000501", "second")]);
    stack.cdn.reset();
    const second = await card(id);
    expect(second.res.headers.get("x-porchlight-cache")).toBe("miss");
    expect(second.res.headers.get("x-porchlight-card-images")).toBe(
      "fetched=0, stored=0, cached=2, failed=0",
    );
    expect(texts(second.root)).toContain("second");
    expect(stack.cdn.requests).toEqual([]);
  });

  it("an image the CDN does not have degrades to a placeholder, and the failure is not refetched per view", async () => {
    const id = "1300000000000000001";
    await stack.ingest([
      {
        user_id: id,
        version: nextVersion(),
        user: { id, username: "nobody-art", avatar: "not-a-hash" },
        membership: { joined_at: "2024-01-02T00:00:00.000Z" },
        presence: { status: "online", client_status: { web: "online" } },
      },
    ]);
    stack.cdn.reset();
    const first = await card(id);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get("x-porchlight-card-images")).toBe("fetched=1, stored=0, cached=0, failed=1");
    expect(findAll(first.root, "image")).toEqual([]);
    await stack.ingest([{ user_id: id, version: nextVersion(), presence: { status: "idle" } }]);
    await card(id);
    expect(stack.cdn.requests).toHaveLength(1);
  });
});
