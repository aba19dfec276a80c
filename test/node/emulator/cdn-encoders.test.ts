import { describe, expect, it } from "vitest";
import { encodeGif } from "../../../emulator/cdn/gif.ts";
import type { IndexedImage, Rgb } from "../../../emulator/cdn/image.ts";
import { encodeJpeg } from "../../../emulator/cdn/jpeg.ts";
import { coloursFor, identicon, swapColours } from "../../../emulator/cdn/pattern.ts";
import { encodePng } from "../../../emulator/cdn/png.ts";
import { CONTENT_TYPES, renderImage } from "../../../emulator/cdn/render.ts";
import {
  ALBUM_ART_SIZE,
  albumArtSpec,
  appAssetSpec,
  avatarSpec,
  CdnError,
  DEFAULT_SIZE,
  defaultAvatarSpec,
  MAX_SERVED_SIZE,
  parseSize,
} from "../../../emulator/cdn/requests.ts";
import { encodeWebp } from "../../../emulator/cdn/webp.ts";
import { decodeGif, decodeJpeg, decodePng, decodeWebp } from "./cdn-decoders.ts";

function toRgb(image: IndexedImage): Uint8Array {
  const rgb = new Uint8Array(image.width * image.height * 3);
  for (const [i, index] of image.pixels.entries()) rgb.set(image.palette[index]!, i * 3);
  return rgb;
}

function image(width: number, height: number, palette: Rgb[], pick: (x: number, y: number) => number) {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = pick(x, y);
  return { width, height, palette, pixels } satisfies IndexedImage;
}

const avatar = identicon("avatars/1/abc", 64);
/** Every one of 256 colours, in pseudo-random order: long enough to fill LZW's 4096-code table. */
const noise = image(
  200,
  150,
  Array.from({ length: 256 }, (_, i) => [i, 255 - i, (i * 7) & 255] as const),
  (x, y) => (x * 31 + y * 17 + ((x * y) % 13)) & 255,
);

describe("PNG", () => {
  it("decodes back to the same pixels, CRCs and palette intact", () => {
    const decoded = decodePng(encodePng(avatar));
    expect([decoded.width, decoded.height]).toEqual([64, 64]);
    expect(decoded.rgb).toEqual(toRgb(avatar));
  });

  it("handles a 256-colour palette and a non-square image", () => {
    const decoded = decodePng(encodePng(noise));
    expect([decoded.width, decoded.height]).toEqual([200, 150]);
    expect(decoded.rgb).toEqual(toRgb(noise));
  });

  it("refuses palettes it cannot store", () => {
    expect(() => encodePng({ ...avatar, palette: [] })).toThrow(/1 to 256/);
    expect(() => encodePng({ ...noise, palette: [...noise.palette, [0, 0, 0]] })).toThrow(/1 to 256/);
  });
});

describe("GIF", () => {
  it("a still image decodes to the same pixels, without animation extensions", () => {
    const decoded = decodeGif(encodeGif([avatar]));
    expect([decoded.width, decoded.height, decoded.frames.length]).toEqual([64, 64, 1]);
    expect(decoded.frames[0]).toEqual(toRgb(avatar));
    expect(decoded.loopsForever).toBe(false);
  });

  it("LZW survives a full code table and its clear code", () => {
    expect(decodeGif(encodeGif([noise])).frames[0]).toEqual(toRgb(noise));
  });

  it("two frames make a looping animation with the given delay", () => {
    const decoded = decodeGif(encodeGif([avatar, swapColours(avatar)], 500));
    expect(decoded.loopsForever).toBe(true);
    expect(decoded.delays).toEqual([50, 50]);
    expect(decoded.frames[1]).toEqual(toRgb(swapColours(avatar)));
    expect(decoded.frames[1]).not.toEqual(decoded.frames[0]);
  });

  it("refuses no frames, frames of different sizes and oversized palettes", () => {
    expect(() => encodeGif([])).toThrow(/at least one frame/);
    expect(() => encodeGif([avatar, identicon("x", 32)])).toThrow(/share/);
    expect(() => encodeGif([{ ...noise, palette: [...noise.palette, [0, 0, 0]] }])).toThrow(/256/);
  });
});

describe("WebP (VP8L)", () => {
  it("has a RIFF header whose sizes match, and decodes to the same pixels", () => {
    const bytes = encodeWebp(avatar);
    const header = Buffer.from(bytes);
    expect(header.toString("latin1", 0, 4)).toBe("RIFF");
    expect(header.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(header.toString("latin1", 8, 16)).toBe("WEBPVP8L");
    expect(header[20]).toBe(0x2f);
    const decoded = decodeWebp(bytes);
    expect([decoded.width, decoded.height]).toEqual([64, 64]);
    expect(decoded.rgb).toEqual(toRgb(avatar));
  });

  it("a single colour uses one-symbol codes; an odd payload is padded to an even RIFF size", () => {
    const solid = image(3, 1, [[10, 20, 30]], () => 0);
    const bytes = encodeWebp(solid);
    expect(bytes.length % 2).toBe(0);
    expect(decodeWebp(bytes).rgb).toEqual(Uint8Array.from([10, 20, 30, 10, 20, 30, 10, 20, 30]));
  });

  it("two colours that share a channel value still round-trip", () => {
    const sameGreen = image(
      5,
      4,
      [
        [0, 99, 0],
        [255, 99, 7],
      ],
      (x, y) => (x + y) % 2,
    );
    expect(decodeWebp(encodeWebp(sameGreen)).rgb).toEqual(toRgb(sameGreen));
  });

  it("refuses images it cannot code with simple prefix codes, and oversized dimensions", () => {
    expect(() => encodeWebp(noise)).toThrow(/two values per colour channel/);
    expect(() => encodeWebp(image(16_385, 1, [[0, 0, 0]], () => 0))).toThrow(/16384/);
  });
});

describe("JPEG (DC-only baseline)", () => {
  it("has SOI, SOF0 with the dimensions and EOI; 8-pixel cells come back within rounding", () => {
    const bytes = encodeJpeg(avatar); // 64 px: 8 px cells, each exactly one block
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect([...bytes.subarray(-2)]).toEqual([0xff, 0xd9]);
    const decoded = decodeJpeg(bytes);
    expect([decoded.width, decoded.height]).toEqual([64, 64]);
    const expected = toRgb(avatar);
    const worst = Math.max(...decoded.rgb.map((value, i) => Math.abs(value - expected[i]!)));
    expect(worst).toBeLessThanOrEqual(2);
  });

  it("averages detail finer than a block, and pads partial blocks at the edges", () => {
    const checker = image(
      12,
      10,
      [
        [0, 0, 0],
        [255, 255, 255],
      ],
      (x, y) => (x + y) % 2,
    );
    const decoded = decodeJpeg(encodeJpeg(checker));
    expect([decoded.width, decoded.height]).toEqual([12, 10]);
    // The top-left block holds 32 black and 32 white pixels: mid grey.
    expect(decoded.rgb[0]).toBeGreaterThan(120);
    expect(decoded.rgb[0]).toBeLessThan(135);
  });

  it("keeps colours: a saturated red stays red", () => {
    const decoded = decodeJpeg(encodeJpeg(image(8, 8, [[220, 20, 60]], () => 0))).rgb;
    for (const [i, value] of [220, 20, 60].entries())
      expect(Math.abs(decoded[i]! - value)).toBeLessThanOrEqual(2);
  });
});

describe("identicon", () => {
  it("is deterministic per key, differs between keys, and is mirrored left to right", () => {
    expect(identicon("k", 32).pixels).toEqual(identicon("k", 32).pixels);
    expect(identicon("k", 32).pixels).not.toEqual(identicon("other", 32).pixels);
    expect(coloursFor("k")).toEqual(coloursFor("k"));
    expect(coloursFor("k").foreground).not.toEqual(coloursFor("other").foreground);
    const { pixels, width } = identicon("k", 32);
    for (let y = 0; y < width; y++)
      for (let x = 0; x < width; x++) expect(pixels[y * width + x]).toBe(pixels[y * width + width - 1 - x]);
  });

  it("accepts only positive multiples of 8", () => {
    expect(() => identicon("k", 12)).toThrow(/multiple of 8/);
    expect(() => identicon("k", 0)).toThrow(/multiple of 8/);
    expect(identicon("k", 8).pixels).toHaveLength(64);
  });
});

describe("CDN request parsing", () => {
  const user = "1191168914227200001";
  const hash = "a1b2c3d4e5f60718293a4b5c6d7e8f90";

  it.each([
    [undefined, DEFAULT_SIZE],
    ["16", 16],
    ["32", 32],
    ["128", 128],
    ["256", MAX_SERVED_SIZE],
    ["4096", MAX_SERVED_SIZE],
  ])("size %s is served at %i px", (raw, served) => {
    expect(parseSize(raw)).toBe(served);
  });

  it.each(["8", "15", "100", "8192", "0", "-16", "abc", "", "16.0", "1e3", "65536"])(
    "size %j is a 400",
    (raw) => {
      expect(() => parseSize(raw)).toThrow(
        expect.objectContaining({ status: 400, message: expect.stringMatching(/power of two/) }),
      );
    },
  );

  it("maps extensions to formats and animated hashes to two-frame GIFs", () => {
    expect(avatarSpec(user, `${hash}.png`, {})).toEqual({
      key: `avatars/${user}/${hash}`,
      size: DEFAULT_SIZE,
      format: "png",
      animated: false,
    });
    expect(avatarSpec(user, `${hash}.jpg`, { size: "32" })).toMatchObject({ format: "jpeg", size: 32 });
    expect(avatarSpec(user, `${hash}.jpeg`, {})).toMatchObject({ format: "jpeg" });
    expect(avatarSpec(user, `a_${hash}.gif`, {})).toMatchObject({ format: "gif", animated: true });
    expect(avatarSpec(user, `a_${hash}.webp`, {})).toMatchObject({ format: "webp", animated: true });
  });

  it.each([
    () => avatarSpec(user, `${hash}.gif`, {}),
    () => defaultAvatarSpec("0.webp"),
    () => appAssetSpec(user, `${user}.gif`, {}),
  ])("a format the route does not serve is a 415 (%#)", (resolve) => {
    expect(resolve).toThrow(expect.objectContaining({ status: 415 }));
  });

  it.each([
    () => avatarSpec(user, `${hash}.bmp`, {}),
    () => avatarSpec(user, `${hash}.constructor`, {}),
    () => avatarSpec(user, hash, {}),
    () => avatarSpec(user, ".png", {}),
    () => avatarSpec(user, "A1B2C3D4E5F60718293A4B5C6D7E8F90.png", {}),
    () => avatarSpec(user, `${hash}0.png`, {}),
    () => avatarSpec("123", `${hash}.png`, {}),
    () => defaultAvatarSpec("6.png"),
    () => defaultAvatarSpec("-1.png"),
    () => defaultAvatarSpec("10.png"),
    () => appAssetSpec(user, "not-an-id.png", {}),
    () => albumArtSpec("ab67616d0000b273"),
    () => albumArtSpec(`${"f".repeat(40)}.jpg`),
  ])("a path naming no image is a 404 (%#)", (resolve) => {
    expect(resolve).toThrow(CdnError);
    expect(resolve).toThrow(expect.objectContaining({ status: 404 }));
  });

  it("default avatars ignore ?size= and album art is always a JPEG of fixed size", () => {
    expect(defaultAvatarSpec("5.png")).toMatchObject({ size: DEFAULT_SIZE, format: "png" });
    expect(albumArtSpec("ab67616d0000b27364840995fe43bb2ec73a241d")).toMatchObject({
      size: ALBUM_ART_SIZE,
      format: "jpeg",
    });
  });

  it("renders each format with the bytes its content type names", () => {
    const spec = { key: "k", size: 16, animated: false } as const;
    expect(decodePng(renderImage({ ...spec, format: "png" })).width).toBe(16);
    expect(decodeJpeg(renderImage({ ...spec, format: "jpeg" })).width).toBe(16);
    expect(decodeWebp(renderImage({ ...spec, format: "webp" })).width).toBe(16);
    expect(decodeGif(renderImage({ ...spec, format: "gif", animated: true })).frames).toHaveLength(2);
    expect(CONTENT_TYPES).toEqual({
      png: "image/png",
      jpeg: "image/jpeg",
      webp: "image/webp",
      gif: "image/gif",
    });
  });
});
