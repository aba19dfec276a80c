import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { decodeGif, decodeJpeg, decodePng, decodeWebp } from "./cdn-decoders.ts";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());

const grace = SEED_MEMBERS[1]!; // animated avatar
const ada = SEED_MEMBERS[0]!; // still avatar
const album = "ab67616d0000b27364840995fe43bb2ec73a241d";
const appId = "1200000000000000001";
const assetId = "1200000000000000101";

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${emulator.urls.cdn}${path}`, { headers });
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

const decoders = {
  "image/png": (bytes: Uint8Array) => decodePng(bytes),
  "image/jpeg": (bytes: Uint8Array) => decodeJpeg(bytes),
  "image/webp": (bytes: Uint8Array) => decodeWebp(bytes),
  "image/gif": (bytes: Uint8Array) => {
    const { width, height } = decodeGif(bytes);
    return { width, height };
  },
};

describe("images", () => {
  it.each([
    [`/avatars/${ada.id}/${ada.avatar}.png`, "image/png", 128],
    [`/avatars/${ada.id}/${ada.avatar}.jpg?size=64`, "image/jpeg", 64],
    [`/avatars/${ada.id}/${ada.avatar}.jpeg?size=16`, "image/jpeg", 16],
    [`/avatars/${ada.id}/${ada.avatar}.webp?size=32`, "image/webp", 32],
    [`/avatars/${grace.id}/${grace.avatar}.gif?size=4096`, "image/gif", 128],
    [`/avatars/${grace.id}/${grace.avatar}.png?size=256`, "image/png", 128],
    ["/embed/avatars/0.png?size=16", "image/png", 128],
    ["/embed/avatars/5.png", "image/png", 128],
    [`/app-assets/${appId}/${assetId}.png`, "image/png", 128],
    [`/app-assets/${appId}/${assetId}.webp?size=64`, "image/webp", 64],
    [`/app-assets/${appId}/${assetId}.jpg`, "image/jpeg", 128],
    [`/image/${album}`, "image/jpeg", 64],
  ] as const)("GET %s → %s, %i px", async (path, contentType, size) => {
    const { res, body } = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(contentType);
    expect(res.headers.get("content-length")).toBe(String(body.length));
    expect(res.headers.get("cache-control")).toMatch(/max-age=31536000/);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{40}"$/);
    const decoded = decoders[contentType](body);
    expect([decoded.width, decoded.height]).toEqual([size, size]);
  });

  it("an animated avatar's GIF has two looping frames; its PNG is the first frame", async () => {
    const gif = decodeGif((await get(`/avatars/${grace.id}/${grace.avatar}.gif`)).body);
    expect(gif.frames).toHaveLength(2);
    expect(gif.loopsForever).toBe(true);
    const png = decodePng((await get(`/avatars/${grace.id}/${grace.avatar}.png`)).body);
    expect(png.rgb).toEqual(gif.frames[0]);
  });

  it("is deterministic per path, the same picture in every format, and differs between avatars", async () => {
    const path = `/avatars/${ada.id}/${ada.avatar}`;
    const first = await get(`${path}.png`);
    const again = await get(`${path}.png`);
    expect(again.body).toEqual(first.body);
    expect(again.res.headers.get("etag")).toBe(first.res.headers.get("etag"));
    expect(decodeWebp((await get(`${path}.webp`)).body).rgb).toEqual(decodePng(first.body).rgb);
    const other = await get(`/avatars/${SEED_MEMBERS[3]!.id}/${SEED_MEMBERS[3]!.avatar}.png`);
    expect(decodePng(other.body).rgb).not.toEqual(decodePng(first.body).rgb);
    const defaults = await Promise.all([0, 1].map((n) => get(`/embed/avatars/${n}.png`)));
    expect(decodePng(defaults[0]!.body).rgb).not.toEqual(decodePng(defaults[1]!.body).rgb);
  });

  it("answers If-None-Match with 304 and no body", async () => {
    const path = `/image/${album}`;
    const etag = (await get(path)).res.headers.get("etag")!;
    const cached = await get(path, { "if-none-match": `W/"nope", ${etag}` });
    expect(cached.res.status).toBe(304);
    expect(cached.body).toHaveLength(0);
    expect(cached.res.headers.get("etag")).toBe(etag);
    expect((await get(path, { "if-none-match": '"other"' })).res.status).toBe(200);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const res = await fetch(`${emulator.urls.cdn}/embed/avatars/1.png`, { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(Number(res.headers.get("content-length"))).toBeGreaterThan(0);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });
});

describe("errors", () => {
  it.each([
    [`/avatars/${ada.id}/${ada.avatar}.png?size=100`, 400, /power of two/],
    [`/avatars/${ada.id}/${ada.avatar}.png?size=8`, 400, /power of two/],
    [`/avatars/${ada.id}/${ada.avatar}.png?size=8192`, 400, /power of two/],
    [`/avatars/${ada.id}/${ada.avatar}.png?size=big`, 400, /power of two/],
    [`/app-assets/${appId}/${assetId}.png?size=2048.5`, 400, /power of two/],
    [`/avatars/${ada.id}/${ada.avatar}.gif`, 415, /not animated/],
    [`/app-assets/${appId}/${assetId}.gif`, 415, /not served/],
    ["/embed/avatars/1.jpg", 415, /not served/],
    [`/avatars/${ada.id}/${ada.avatar}.tiff`, 404, /Not Found/],
    [`/avatars/${ada.id}/nothex.png`, 404, /Not Found/],
    [`/avatars/ada/${ada.avatar}.png`, 404, /Not Found/],
    ["/embed/avatars/6.png", 404, /Not Found/],
    [`/app-assets/${appId}/large.png`, 404, /Not Found/],
    ["/image/spotify:abc", 404, /Not Found/],
  ])("GET %s → %i", async (path, status, message) => {
    const { res, body } = await get(path);
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(Buffer.from(body).toString()).toMatch(message);
  });

  it("a path outside every CDN route is the emulator's JSON 404", async () => {
    const { res, body } = await get(`/avatars/${ada.id}`);
    expect(res.status).toBe(404);
    expect(JSON.parse(Buffer.from(body).toString())).toEqual({ message: "404: Not Found", code: 0 });
  });
});
