import type { IndexedImage } from "./image.ts";
import { rgbAt } from "./image.ts";

/**
 * Baseline JPEG (ITU T.81) that keeps only each 8×8 block's average colour: every block is coded
 * as its DC coefficient followed by end-of-block, so no DCT is needed and the Huffman tables stay
 * tiny. Blocks of one colour (every 8-pixel-aligned cell the emulator draws) come back exactly;
 * finer detail is averaged away, as a very low quality setting would. YCbCr, no subsampling,
 * JFIF APP0, a quantisation table of ones.
 */

// Annex K.3's luminance DC table: how many codes of each length 1..16, then the categories.
const DC_CODE_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
// The AC table needs one symbol only: 0x00, end of block, coded as a single 0 bit.
const AC_CODE_COUNTS = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const END_OF_BLOCK = { code: 0, length: 1 };
const DC_CODES = canonicalCodes(DC_CODE_COUNTS, DC_SYMBOLS);

export function encodeJpeg(image: IndexedImage): Uint8Array<ArrayBuffer> {
  const { width, height } = image;
  if (width < 1 || height < 1 || width > 0xffff || height > 0xffff)
    throw new Error("JPEG images are 1 to 65535 pixels a side");

  const out: number[] = [0xff, 0xd8]; // SOI
  segment(out, 0xe0, [...Buffer.from("JFIF\0", "latin1"), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  segment(out, 0xdb, [0x00, ...new Array<number>(64).fill(1)]); // 8-bit table 0, all ones
  // SOF0: 8-bit samples, three components (Y, Cb, Cr), each sampled 1×1 with table 0.
  segment(out, 0xc0, [
    8,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    3,
    1,
    0x11,
    0,
    2,
    0x11,
    0,
    3,
    0x11,
    0,
  ]);
  segment(out, 0xc4, [0x00, ...DC_CODE_COUNTS, ...DC_SYMBOLS, 0x10, ...AC_CODE_COUNTS, 0x00]);
  segment(out, 0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]); // SOS: all three use tables 0/0

  const bits = new MsbBitWriter(out);
  const previousDc = [0, 0, 0];
  const ycbcr = toYCbCr(image);
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let component = 0; component < 3; component++) {
        const dc = Math.round(8 * (blockMean(ycbcr[component]!, width, height, bx, by) - 128));
        writeDcDifference(bits, dc - previousDc[component]!);
        previousDc[component] = dc;
        bits.write(END_OF_BLOCK.code, END_OF_BLOCK.length);
      }
    }
  }
  bits.flush();
  out.push(0xff, 0xd9); // EOI
  return Uint8Array.from(out);
}

function segment(out: number[], marker: number, payload: number[]): void {
  const length = payload.length + 2;
  out.push(0xff, marker, length >> 8, length & 0xff, ...payload);
}

/** JFIF's full-range conversion, one plane per component. */
function toYCbCr(image: IndexedImage): Float64Array[] {
  const planes = [0, 1, 2].map(() => new Float64Array(image.width * image.height));
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const [r, g, b] = rgbAt(image, x, y);
      const i = y * image.width + x;
      planes[0]![i] = 0.299 * r + 0.587 * g + 0.114 * b;
      planes[1]![i] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
      planes[2]![i] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
    }
  }
  return planes;
}

/** Mean of an 8×8 block; a block hanging over the edge repeats the edge pixels, as T.81 suggests. */
function blockMean(plane: Float64Array, width: number, height: number, bx: number, by: number): number {
  let sum = 0;
  for (let y = by; y < by + 8; y++) {
    for (let x = bx; x < bx + 8; x++) sum += plane[Math.min(y, height - 1) * width + Math.min(x, width - 1)]!;
  }
  return sum / 64;
}

/** A DC difference is its size category (Huffman coded), then that many bits of the value. */
function writeDcDifference(bits: MsbBitWriter, difference: number): void {
  const category = difference === 0 ? 0 : Math.floor(Math.log2(Math.abs(difference))) + 1;
  const code = DC_CODES.get(category)!;
  bits.write(code.code, code.length);
  // Negative values are sent as value - 1 in `category` bits (one's complement style).
  if (category > 0) bits.write(difference < 0 ? difference + (1 << category) - 1 : difference, category);
}

function canonicalCodes(counts: number[], symbols: number[]): Map<number, { code: number; length: number }> {
  const codes = new Map<number, { code: number; length: number }>();
  let code = 0;
  let next = 0;
  for (let length = 1; length <= 16; length++) {
    for (let i = 0; i < counts[length - 1]!; i++) codes.set(symbols[next++]!, { code: code++, length });
    code <<= 1;
  }
  return codes;
}

/** Most significant bit first; a 0xFF byte in entropy-coded data is followed by a stuffed 0x00. */
class MsbBitWriter {
  readonly #out: number[];
  #pending = 0;
  #pendingBits = 0;

  constructor(out: number[]) {
    this.#out = out;
  }

  write(value: number, bits: number): void {
    for (let bit = bits - 1; bit >= 0; bit--) {
      this.#pending = (this.#pending << 1) | ((value >> bit) & 1);
      if (++this.#pendingBits === 8) this.#emit();
    }
  }

  /** Pads the last byte with 1 bits, as T.81 requires before a marker. */
  flush(): void {
    while (this.#pendingBits !== 0) this.write(1, 1);
  }

  #emit(): void {
    this.#out.push(this.#pending);
    if (this.#pending === 0xff) this.#out.push(0x00);
    this.#pending = 0;
    this.#pendingBits = 0;
  }
}
