import { LsbBitWriter } from "./bit-writer.ts";
import type { IndexedImage } from "./image.ts";

/**
 * GIF89a with a global colour table and LZW-compressed frames. More than one frame makes an
 * endlessly looping animation (the NETSCAPE2.0 extension every browser honours), as Discord serves
 * for avatars whose hash starts with "a_".
 */

const MAX_CODES = 4096; // LZW codes are at most 12 bits wide

export function encodeGif(frames: readonly IndexedImage[], frameDelayMs = 500): Uint8Array<ArrayBuffer> {
  const first = frames[0];
  if (!first) throw new Error("a GIF needs at least one frame");
  for (const frame of frames) {
    if (frame.width !== first.width || frame.height !== first.height || frame.palette !== first.palette)
      throw new Error("every GIF frame must share the first frame's size and palette");
  }
  if (first.palette.length > 256) throw new Error("a GIF palette holds at most 256 colours");

  // The colour table has 2^(n+1) entries; the minimum LZW code size must be at least 2.
  const tableBits = Math.max(1, Math.ceil(Math.log2(first.palette.length)));
  const out: number[] = [...Buffer.from("GIF89a", "latin1")];
  pushU16(out, first.width);
  pushU16(out, first.height);
  // Global colour table present (0x80), 8-bit colour resolution (0x70), table size exponent.
  out.push(0x80 | 0x70 | (tableBits - 1), 0, 0);
  for (let i = 0; i < 1 << tableBits; i++) out.push(...(first.palette[i] ?? [0, 0, 0]));

  const animated = frames.length > 1;
  if (animated) {
    // NETSCAPE2.0 application extension: loop count 0 = forever.
    out.push(0x21, 0xff, 0x0b, ...Buffer.from("NETSCAPE2.0", "latin1"), 3, 1, 0, 0, 0);
  }
  for (const frame of frames) {
    if (animated) {
      // Graphic control extension: no disposal, no transparency, delay in hundredths of a second.
      out.push(0x21, 0xf9, 4, 0);
      pushU16(out, Math.round(frameDelayMs / 10));
      out.push(0, 0);
    }
    out.push(0x2c);
    pushU16(out, 0);
    pushU16(out, 0);
    pushU16(out, frame.width);
    pushU16(out, frame.height);
    out.push(0); // no local colour table, not interlaced
    const minCodeSize = Math.max(2, tableBits);
    out.push(minCodeSize);
    const data = lzw(frame.pixels, minCodeSize);
    // Image data travels in sub-blocks of at most 255 bytes, ended by an empty one.
    for (let offset = 0; offset < data.length; offset += 255) {
      const block = data.subarray(offset, offset + 255);
      out.push(block.length, ...block);
    }
    out.push(0);
  }
  out.push(0x3b); // trailer
  return Uint8Array.from(out);
}

/** GIF-flavoured LZW: variable-width codes that grow to 12 bits, a clear code when the table fills. */
export function lzw(indices: Uint8Array, minCodeSize: number): Uint8Array {
  const clearCode = 1 << minCodeSize;
  const endCode = clearCode + 1;
  const writer = new LsbBitWriter();
  let codeSize = minCodeSize + 1;
  let nextCode = endCode + 1;
  // Keyed by prefix code * 256 + next index: both are small integers, so a number key suffices.
  let table = new Map<number, number>();

  writer.write(clearCode, codeSize);
  let prefix = indices[0] ?? 0;
  for (let i = 1; i < indices.length; i++) {
    const index = indices[i]!;
    const key = prefix * 256 + index;
    const known = table.get(key);
    if (known !== undefined) {
      prefix = known;
      continue;
    }
    writer.write(prefix, codeSize);
    if (nextCode === MAX_CODES) {
      writer.write(clearCode, codeSize);
      table = new Map();
      codeSize = minCodeSize + 1;
      nextCode = endCode + 1;
    } else {
      // The decoder adds its entry one code later, so it widens at the same point in the stream.
      if (nextCode >= 1 << codeSize) codeSize++;
      table.set(key, nextCode++);
    }
    prefix = index;
  }
  writer.write(prefix, codeSize);
  writer.write(endCode, codeSize);
  return writer.finish();
}

function pushU16(out: number[], value: number): void {
  out.push(value & 0xff, value >> 8);
}
