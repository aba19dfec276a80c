import { env, exports } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { binaryString, cardImageKey, MAX_IMAGE_BYTES } from "../../schemas/card-images.ts";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";
import { BASE, get, ingest, joined, SECRET } from "./helpers.ts";

/**
 * PUT /ingest/images/:key (the runner's card images, into R2) and cards reading them before the
 * CDN. The global fetch, which the Worker shares with the tests in workerd, is a CDN that answers
 * nothing but 404 and counts what is asked, so an image can only be inlined from R2.
 */

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3]);
const cdnRequests: string[] = [];

beforeAll(() => {
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL) => {
      cdnRequests.push(String(input instanceof Request ? input.url : input));
      return new Response("404: Not Found", { status: 404 });
    }),
  );
});
afterAll(() => vi.unstubAllGlobals());

async function put(
  key: string,
  bytes: Uint8Array,
  options: { signedPath?: string; secret?: string } = {},
): Promise<Response> {
  const path = `/ingest/images/${key}`;
  const headers = await ingestHeaders(
    options.secret ?? SECRET,
    { method: "PUT", path: options.signedPath ?? path },
    binaryString(bytes),
  );
  return exports.default.fetch(`${BASE}${path}`, {
    method: "PUT",
    headers: { ...headers, "content-type": "image/png" },
    body: bytes,
  });
}

const KEY = "a".repeat(64);

describe("PUT /ingest/images/:key", () => {
  it("stores a signed PNG in R2 under its key, typed by its bytes", async () => {
    const res = await put(KEY, PNG);
    expect(res.status).toBe(204);
    const object = await env.CARD_IMAGES!.get(KEY);
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(PNG);
    expect(object!.httpMetadata?.contentType).toBe("image/png");
  });

  it("overwrites by key: one object per image", async () => {
    const key = "b".repeat(64);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
    expect((await put(key, PNG)).status).toBe(204);
    expect((await put(key, jpeg)).status).toBe(204);
    const object = await env.CARD_IMAGES!.get(key);
    expect(object!.httpMetadata?.contentType).toBe("image/jpeg");
    expect((await env.CARD_IMAGES!.list({ prefix: key })).objects).toHaveLength(1);
  });

  it.each([
    ["a key that is no SHA-256", "not-a-key", PNG, 400, /^key:/],
    ["an empty body", "c".repeat(64), new Uint8Array(0), 400, /^body: empty/],
    ["an HTML page", "c".repeat(64), new TextEncoder().encode("<html>nope</html>"), 415, /PNG, JPEG/],
    [
      "an SVG",
      "c".repeat(64),
      new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"),
      415,
      /PNG/,
    ],
    [
      "a body over the card's byte limit",
      "c".repeat(64),
      new Uint8Array(MAX_IMAGE_BYTES + 1),
      413,
      /exceeds/,
    ],
  ])("refuses %s with a JSON %i and stores nothing", async (_what, key, bytes, status, message) => {
    const res = await put(key, bytes);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect(await env.CARD_IMAGES!.head(key)).toBeNull();
  });

  it("refuses a wrong secret, and a signature made for another key", async () => {
    const key = "d".repeat(64);
    const wrongSecret = await put(key, PNG, { secret: "another-secret-0123456789abcdef0123456" });
    expect(wrongSecret.status).toBe(401);
    const otherKey = await put(key, PNG, { signedPath: `/ingest/images/${"e".repeat(64)}` });
    expect(otherKey.status).toBe(401);
    expect(((await otherKey.json()) as { reason: string }).reason).toBe("bad_signature");
    expect(await env.CARD_IMAGES!.head(key)).toBeNull();
  });
});

describe("cards read the runner's images before the CDN", () => {
  const USER = "310000000000000001";
  const HASH = "0123456789abcdef0123456789abcdef";

  it("inlines the avatar from R2 without asking the CDN for it", async () => {
    const delta = joined(USER, "rita");
    const res = await ingest([{ ...delta, user: { ...delta.user, avatar: HASH } }]);
    expect(res.status).toBe(200);
    // The URL the card fetches an avatar at (workers/cards/images.ts): 128 px, as a still PNG.
    const avatarUrl = `https://cdn.discordapp.com/avatars/${USER}/${HASH}.png?size=128`;
    expect((await put(await cardImageKey(avatarUrl), PNG)).status).toBe(204);

    cdnRequests.length = 0;
    const card = await get(`/api/v1/users/${USER}?svg=1&hideServerTag=1`);
    const svg = await card.text();
    expect(card.headers.get("x-porchlight-card-images")).toBe("fetched=0, stored=1, cached=0, failed=0");
    expect(svg).toContain(`data:image/png;base64,${btoa(binaryString(PNG))}`);
    expect(cdnRequests).toEqual([]);
  });

  it("falls back to the CDN for an image R2 lacks", async () => {
    const other = "310000000000000002";
    const delta = joined(other, "otto");
    expect((await ingest([{ ...delta, user: { ...delta.user, avatar: HASH } }])).status).toBe(200);
    cdnRequests.length = 0;
    const card = await get(`/api/v1/users/${other}?svg=1`);
    expect(card.headers.get("x-porchlight-card-images")).toBe("fetched=1, stored=0, cached=0, failed=1");
    expect(cdnRequests).toEqual([`https://cdn.discordapp.com/avatars/${other}/${HASH}.png?size=128`]);
  });
});
