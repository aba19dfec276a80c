import { createHash } from "node:crypto";
import type { IndexedImage, Rgb } from "./image.ts";

/**
 * The pictures the emulated CDN serves: a two-colour, left-right mirrored 8×8 identicon derived
 * from a key (the image's path without format or size). Same key, same picture, so a client can
 * tell avatars apart and a test can predict every pixel. Two colours keep every encoder simple.
 */

const GRID = 8;
const LIGHT_BACKGROUND: Rgb = [242, 243, 245];

export interface PatternColours {
  background: Rgb;
  foreground: Rgb;
}

/** The default colours of a key: a saturated foreground whose hue comes from the key, on light grey. */
export function coloursFor(key: string): PatternColours {
  const digest = sha256(key);
  const hue = ((digest[0]! << 8) | digest[1]!) % 360;
  const saturation = 0.45 + (digest[2]! / 255) * 0.3;
  const lightness = 0.4 + (digest[3]! / 255) * 0.15;
  return { background: LIGHT_BACKGROUND, foreground: hslToRgb(hue, saturation, lightness) };
}

/** A `size`×`size` identicon; `size` is a multiple of 8 so every cell is whole pixels. */
export function identicon(key: string, size: number, colours = coloursFor(key)): IndexedImage {
  if (!Number.isInteger(size) || size < GRID || size % GRID !== 0)
    throw new Error(`identicon size must be a positive multiple of ${GRID}, got ${size}`);
  const digest = sha256(key);
  const cell = size / GRID;
  const pixels = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    const row = Math.floor(y / cell);
    for (let x = 0; x < size; x++) {
      const column = Math.floor(x / cell);
      // Only the left half is drawn from the key; the right half mirrors it.
      const source = column < GRID / 2 ? column : GRID - 1 - column;
      const bit = row * (GRID / 2) + source; // 32 bits: digest bytes 4 to 7
      pixels[y * size + x] = (digest[4 + (bit >> 3)]! >> (bit & 7)) & 1;
    }
  }
  return { width: size, height: size, palette: [colours.background, colours.foreground], pixels };
}

/** The second frame of an animated image: the same picture with its two colours swapped. */
export function swapColours(image: IndexedImage): IndexedImage {
  return { ...image, pixels: image.pixels.map((index) => 1 - index) };
}

function sha256(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}

function hslToRgb(hue: number, saturation: number, lightness: number): Rgb {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    const value = lightness - (chroma / 2) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255);
  };
  return [channel(0), channel(8), channel(4)];
}
