import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { decodeGif, decodePng } from "./cdn-decoders.ts";

/** /emojis/: custom emojis, which profile cards inline next to a custom status. */

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());

const EMOJI = "1200000000000000501";
const get = (path: string) => fetch(`${emulator.urls.cdn}${path}`);

describe("custom emojis", () => {
  it("are served as PNG at the asked size, and as an animated GIF", async () => {
    const png = await get(`/emojis/${EMOJI}.png?size=64`);
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(decodePng(new Uint8Array(await png.arrayBuffer()))).toMatchObject({ width: 64, height: 64 });
    const gif = await get(`/emojis/${EMOJI}.gif`);
    expect(gif.headers.get("content-type")).toBe("image/gif");
    expect(decodeGif(new Uint8Array(await gif.arrayBuffer())).frames.length).toBeGreaterThan(1);
  });

  it("the same emoji is the same picture; bad ids, extensions and sizes are refused as Discord does", async () => {
    const [a, b] = await Promise.all([get(`/emojis/${EMOJI}.png`), get(`/emojis/${EMOJI}.png`)]);
    expect(a.headers.get("etag")).toBe(b.headers.get("etag"));
    expect((await get("/emojis/not-an-id.png")).status).toBe(404);
    expect((await get(`/emojis/${EMOJI}.svg`)).status).toBe(404);
    expect((await get(`/emojis/${EMOJI}.png?size=100`)).status).toBe(400);
  });
});
