import { LsbBitWriter } from "./bit-writer.ts";
import type { IndexedImage, Rgb } from "./image.ts";

/**
 * WebP lossless (VP8L, RFC 9649) for images whose every channel takes at most two values, which
 * covers the two-colour images the emulator draws. With two values per channel each channel fits
 * a "simple" prefix code of one or two symbols (one symbol costs zero bits, two cost one bit each),
 * so the bitstream needs no transforms, no colour cache, no back references and no code-length
 * codes: header, five simple prefix codes, then green, red, blue and alpha per pixel.
 */

const SIGNATURE = 0x2f;
const MAX_DIMENSION = 1 << 14; // width and height are stored as 14-bit (value - 1)

export function encodeWebp(image: IndexedImage): Uint8Array<ArrayBuffer> {
  const { width, height } = image;
  if (width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION)
    throw new Error(`WebP lossless images are 1 to ${MAX_DIMENSION} pixels a side`);
  const colours = image.palette;
  // Bitstream order per pixel: green, red, blue (alpha is always 255).
  const channels = [1, 0, 2].map((channel) => simpleCode(colours, channel));

  const bits = new LsbBitWriter();
  bits.write(SIGNATURE, 8);
  bits.write(width - 1, 14);
  bits.write(height - 1, 14);
  bits.write(0, 1); // alpha_is_used: every pixel is opaque
  bits.write(0, 3); // version 0
  bits.write(0, 1); // no transforms
  bits.write(0, 1); // no colour cache
  bits.write(0, 1); // one prefix code group for the whole image
  for (const code of channels) writeSimpleCode(bits, code.symbols);
  writeSimpleCode(bits, [255]); // alpha
  writeSimpleCode(bits, [0]); // distance: unused, but the group always has five codes

  for (const index of image.pixels) {
    for (const code of channels) {
      if (code.symbols.length === 2) bits.write(code.bitFor[index]!, 1);
    }
  }
  return riff("VP8L", bits.finish());
}

interface SimpleCode {
  /** One or two distinct channel values, ascending. */
  symbols: number[];
  /** Per palette index, the one-bit code of its channel value. */
  bitFor: number[];
}

function simpleCode(palette: readonly Rgb[], channel: number): SimpleCode {
  const symbols = [...new Set(palette.map((colour) => colour[channel]!))].sort((a, b) => a - b);
  if (symbols.length > 2)
    throw new Error("this WebP encoder takes images with at most two values per colour channel");
  // Canonical prefix codes hand the shorter bit pattern to the smaller symbol: 0, then 1.
  return { symbols, bitFor: palette.map((colour) => symbols.indexOf(colour[channel]!)) };
}

function writeSimpleCode(bits: LsbBitWriter, symbols: number[]): void {
  bits.write(1, 1); // simple code length code
  bits.write(symbols.length - 1, 1);
  bits.write(1, 1); // the first symbol is written with 8 bits
  for (const symbol of symbols) bits.write(symbol, 8);
}

function riff(fourcc: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  // RIFF chunks are padded to an even length; the size field counts the unpadded payload.
  const padding = payload.length % 2;
  const file = Buffer.alloc(20 + payload.length + padding);
  file.write("RIFF", 0, "latin1");
  file.writeUInt32LE(file.length - 8, 4);
  file.write("WEBP", 8, "latin1");
  file.write(fourcc, 12, "latin1");
  file.writeUInt32LE(payload.length, 16);
  file.set(payload, 20);
  return file;
}
