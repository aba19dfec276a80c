import { crc32, deflateSync } from "node:zlib";
import type { IndexedImage } from "./image.ts";

/**
 * PNG (RFC 2083 / ISO 15948) as an 8-bit palette image: IHDR, PLTE, one IDAT, IEND. Every
 * scanline uses filter 0 (none); the images are tiny and deflate handles their runs well.
 */

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOUR_TYPE_PALETTE = 3;

export function encodePng(image: IndexedImage): Uint8Array<ArrayBuffer> {
  const { width, height, palette, pixels } = image;
  if (palette.length < 1 || palette.length > 256) throw new Error("a PNG palette holds 1 to 256 colours");

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth: one byte per palette index
  header.writeUInt8(COLOUR_TYPE_PALETTE, 9);
  // Bytes 10-12 (compression, filter method, interlace) stay 0: the only defined values.

  const scanlines = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    // Each scanline starts with its filter type byte, 0.
    scanlines.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  }

  return Buffer.concat([
    SIGNATURE,
    chunk("IHDR", header),
    chunk("PLTE", Buffer.from(palette.flat())),
    chunk("IDAT", deflateSync(scanlines)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** length, type, data, then a CRC-32 over type and data. */
function chunk(type: string, data: Uint8Array): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const framed = Buffer.alloc(typeAndData.length + 8);
  framed.writeUInt32BE(data.length, 0);
  typeAndData.copy(framed, 4);
  framed.writeUInt32BE(crc32(typeAndData), typeAndData.length + 4);
  return framed;
}
