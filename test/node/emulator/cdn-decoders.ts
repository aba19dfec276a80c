import { crc32, inflateSync } from "node:zlib";

/**
 * Small decoders for the images the emulated CDN serves, written from the format specifications
 * and independent of the encoders: a test that round-trips through them proves the bytes are what
 * their Content-Type says. Each covers the parts of its format the encoders use and throws on
 * anything else, so an encoder that drifts outside that subset fails loudly.
 */

export interface Decoded {
  width: number;
  height: number;
  /** RGB, three bytes per pixel, rows from the top. */
  rgb: Uint8Array;
}

export function decodePng(bytes: Uint8Array): Decoded {
  const buffer = Buffer.from(bytes);
  if (!buffer.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    throw new Error("no PNG signature");
  let offset = 8;
  let header: Buffer | undefined;
  let palette: Buffer | undefined;
  const data: Buffer[] = [];
  let ended = false;
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString("latin1", offset + 4, offset + 8);
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (buffer.readUInt32BE(offset + 8 + length) !== crc32(buffer.subarray(offset + 4, offset + 8 + length)))
      throw new Error(`bad CRC on ${type}`);
    if (type === "IHDR") header = body;
    else if (type === "PLTE") palette = body;
    else if (type === "IDAT") data.push(body);
    else if (type === "IEND") ended = true;
    offset += 12 + length;
  }
  if (!header || !palette || !ended) throw new Error("missing IHDR, PLTE or IEND");
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  if (header[8] !== 8 || header[9] !== 3) throw new Error("expected an 8-bit palette PNG");
  const raw = inflateSync(Buffer.concat(data));
  if (raw.length !== height * (width + 1)) throw new Error("IDAT holds the wrong number of bytes");
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    if (raw[y * (width + 1)] !== 0) throw new Error("only filter type 0 is expected");
    for (let x = 0; x < width; x++) {
      const index = raw[y * (width + 1) + 1 + x]!;
      if (index * 3 >= palette.length) throw new Error("pixel indexes past the palette");
      rgb.set(palette.subarray(index * 3, index * 3 + 3), (y * width + x) * 3);
    }
  }
  return { width, height, rgb };
}

export interface DecodedGif {
  width: number;
  height: number;
  frames: Uint8Array[];
  /** Hundredths of a second per frame, from graphic control extensions (0 without one). */
  delays: number[];
  loopsForever: boolean;
}

export function decodeGif(bytes: Uint8Array): DecodedGif {
  const buffer = Buffer.from(bytes);
  if (buffer.toString("latin1", 0, 6) !== "GIF89a") throw new Error("no GIF89a signature");
  const width = buffer.readUInt16LE(6);
  const height = buffer.readUInt16LE(8);
  const packed = buffer[10]!;
  if (!(packed & 0x80)) throw new Error("expected a global colour table");
  const tableSize = 2 << (packed & 7);
  const table = buffer.subarray(13, 13 + tableSize * 3);
  let offset = 13 + tableSize * 3;
  const result: DecodedGif = { width, height, frames: [], delays: [], loopsForever: false };
  let delay = 0;
  for (;;) {
    const introducer = buffer[offset++];
    if (introducer === 0x3b) return result;
    if (introducer === 0x21) {
      const label = buffer[offset++];
      const blocks = readSubBlocks(buffer, offset);
      offset = blocks.next;
      if (label === 0xf9) delay = blocks.data.readUInt16LE(1);
      if (label === 0xff && blocks.data.toString("latin1", 0, 11) === "NETSCAPE2.0")
        result.loopsForever = blocks.data.readUInt16LE(12) === 0; // after "NETSCAPE2.0" and sub-block id 1
    } else if (introducer === 0x2c) {
      const frameWidth = buffer.readUInt16LE(offset + 4);
      const frameHeight = buffer.readUInt16LE(offset + 6);
      if (buffer[offset + 8] !== 0) throw new Error("local colour tables and interlacing are not expected");
      const minCodeSize = buffer[offset + 9]!;
      const blocks = readSubBlocks(buffer, offset + 10);
      offset = blocks.next;
      const indices = lzwDecode(blocks.data, minCodeSize, frameWidth * frameHeight);
      const rgb = new Uint8Array(indices.length * 3);
      for (const [i, index] of indices.entries()) rgb.set(table.subarray(index * 3, index * 3 + 3), i * 3);
      result.frames.push(rgb);
      result.delays.push(delay);
    } else {
      throw new Error(`unexpected GIF block 0x${introducer?.toString(16)}`);
    }
  }
}

function readSubBlocks(buffer: Buffer, start: number): { data: Buffer; next: number } {
  const parts: Buffer[] = [];
  let offset = start;
  for (let size = buffer[offset]!; size !== 0; size = buffer[offset]!) {
    parts.push(buffer.subarray(offset + 1, offset + 1 + size));
    offset += 1 + size;
  }
  return { data: Buffer.concat(parts), next: offset + 1 };
}

function lzwDecode(data: Buffer, minCodeSize: number, pixelCount: number): number[] {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  let codeSize = minCodeSize + 1;
  let dictionary: number[][] = [];
  const reset = () => {
    dictionary = Array.from({ length: clear + 2 }, (_, i) => [i]);
    codeSize = minCodeSize + 1;
  };
  reset();
  const out: number[] = [];
  let previous: number[] | null = null;
  let bitOffset = 0;
  while (bitOffset + codeSize <= data.length * 8) {
    let code = 0;
    for (let i = 0; i < codeSize; i++, bitOffset++)
      code |= ((data[bitOffset >> 3]! >> (bitOffset & 7)) & 1) << i;
    if (code === clear) {
      reset();
      previous = null;
      continue;
    }
    if (code === end) break;
    let entry = dictionary[code];
    if (!entry) {
      if (!previous || code !== dictionary.length) throw new Error(`bad LZW code ${code}`);
      entry = [...previous, previous[0]!];
    }
    out.push(...entry);
    if (previous && dictionary.length < 4096) {
      dictionary.push([...previous, entry[0]!]);
      if (dictionary.length === 1 << codeSize && codeSize < 12) codeSize++;
    }
    previous = entry;
  }
  if (out.length !== pixelCount) throw new Error(`LZW gave ${out.length} pixels, expected ${pixelCount}`);
  return out;
}

/** RIFF/WEBP with one VP8L chunk whose prefix codes are all "simple" (one or two symbols). */
export function decodeWebp(bytes: Uint8Array): Decoded {
  const buffer = Buffer.from(bytes);
  if (buffer.toString("latin1", 0, 4) !== "RIFF" || buffer.toString("latin1", 8, 16) !== "WEBPVP8L")
    throw new Error("expected RIFF WEBP with a VP8L chunk");
  if (buffer.readUInt32LE(4) !== buffer.length - 8 || buffer.length % 2 !== 0)
    throw new Error("RIFF size does not match the file");
  const payloadLength = buffer.readUInt32LE(16);
  const reader = new LsbBitReader(buffer.subarray(20, 20 + payloadLength));
  if (reader.read(8) !== 0x2f) throw new Error("no VP8L signature");
  const width = reader.read(14) + 1;
  const height = reader.read(14) + 1;
  reader.read(1); // alpha hint
  if (reader.read(3) !== 0) throw new Error("VP8L version must be 0");
  if (reader.read(1) !== 0) throw new Error("transforms are not expected");
  if (reader.read(1) !== 0) throw new Error("a colour cache is not expected");
  if (reader.read(1) !== 0) throw new Error("meta prefix codes are not expected");
  const codes = Array.from({ length: 5 }, () => {
    if (reader.read(1) !== 1) throw new Error("only simple prefix codes are expected");
    const count = reader.read(1) + 1;
    const symbols = [reader.read(reader.read(1) === 1 ? 8 : 1)];
    if (count === 2) symbols.push(reader.read(8));
    return symbols.sort((a, b) => a - b);
  });
  const readSymbol = (symbols: number[]) => (symbols.length === 1 ? symbols[0]! : symbols[reader.read(1)]!);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const green = readSymbol(codes[0]!);
    if (green >= 256) throw new Error("back references are not expected");
    const red = readSymbol(codes[1]!);
    const blue = readSymbol(codes[2]!);
    if (readSymbol(codes[3]!) !== 255) throw new Error("expected opaque pixels");
    rgb.set([red, green, blue], i * 3);
  }
  return { width, height, rgb };
}

class LsbBitReader {
  readonly #bytes: Uint8Array;
  #offset = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  read(bits: number): number {
    let value = 0;
    for (let i = 0; i < bits; i++, this.#offset++) {
      if (this.#offset >= this.#bytes.length * 8) throw new Error("read past the end of the bitstream");
      value |= ((this.#bytes[this.#offset >> 3]! >> (this.#offset & 7)) & 1) << i;
    }
    return value;
  }
}

/**
 * Baseline JPEG: markers, quantisation and Huffman tables, then every block's coefficients. Only
 * the DC term is turned back into pixels, so a block with any AC coefficient is reported as an
 * error rather than decoded wrongly.
 */
export function decodeJpeg(bytes: Uint8Array): Decoded {
  const buffer = Buffer.from(bytes);
  if (buffer.readUInt16BE(0) !== 0xffd8) throw new Error("no SOI marker");
  if (buffer.readUInt16BE(buffer.length - 2) !== 0xffd9) throw new Error("no EOI marker");
  const quant = new Map<number, Buffer>();
  const huffman = new Map<number, Map<string, number>>();
  let width = 0;
  let height = 0;
  let components: { id: number; q: number }[] = [];
  let offset = 2;
  for (;;) {
    const marker = buffer.readUInt16BE(offset);
    const length = buffer.readUInt16BE(offset + 2);
    const body = buffer.subarray(offset + 4, offset + 2 + length);
    offset += 2 + length;
    if (marker === 0xffdb) quant.set(body[0]! & 15, body.subarray(1, 65));
    else if (marker === 0xffc0) {
      if (body[0] !== 8) throw new Error("expected 8-bit samples");
      height = body.readUInt16BE(1);
      width = body.readUInt16BE(3);
      components = Array.from({ length: body[5]! }, (_, i) => {
        if (body[7 + i * 3] !== 0x11) throw new Error("subsampling is not expected");
        return { id: body[6 + i * 3]!, q: body[8 + i * 3]! };
      });
    } else if (marker === 0xffc4) {
      let at = 0;
      while (at < body.length) {
        const counts = [...body.subarray(at + 1, at + 17)];
        const total = counts.reduce((a, b) => a + b, 0);
        huffman.set(body[at]!, huffmanLookup(counts, [...body.subarray(at + 17, at + 17 + total)]));
        at += 17 + total;
      }
    } else if (marker === 0xffda) break;
    else if ((marker & 0xfff0) !== 0xffe0) throw new Error(`unexpected marker 0x${marker.toString(16)}`);
  }
  if (components.length !== 3) throw new Error("expected three components");
  const reader = new MsbBitReader(buffer.subarray(offset, buffer.length - 2));
  const decodeSymbol = (table: Map<string, number>) => {
    let code = "";
    while (code.length <= 16) {
      code += reader.read(1);
      const symbol = table.get(code);
      if (symbol !== undefined) return symbol;
    }
    throw new Error("bad Huffman code");
  };
  const extend = (bits: number, size: number) => (bits < 1 << (size - 1) ? bits - (1 << size) + 1 : bits);
  const dcTable = huffman.get(0x00)!;
  const acTable = huffman.get(0x10)!;
  const blocksWide = Math.ceil(width / 8);
  const blocksHigh = Math.ceil(height / 8);
  const previous = [0, 0, 0];
  const blockMeans: number[][] = [];
  for (let block = 0; block < blocksWide * blocksHigh; block++) {
    const ycc = components.map((component, c) => {
      const size = decodeSymbol(dcTable);
      previous[c]! += size === 0 ? 0 : extend(reader.read(size), size);
      // The first AC symbol must be end-of-block (0x00): anything else is an AC coefficient.
      const firstAc = decodeSymbol(acTable);
      if (firstAc !== 0)
        throw new Error(`AC coefficient (run/size 0x${firstAc.toString(16)}) in block ${block}`);
      // Inverse DCT of a block holding only its DC term: every sample is DC × q / 8, level-shifted.
      return (previous[c]! * quant.get(component.q)![0]!) / 8 + 128;
    });
    blockMeans.push(ycc);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [lum, cb, cr] = blockMeans[Math.floor(y / 8) * blocksWide + Math.floor(x / 8)]!;
      const colour = [
        lum! + 1.402 * (cr! - 128),
        lum! - 0.344136 * (cb! - 128) - 0.714136 * (cr! - 128),
        lum! + 1.772 * (cb! - 128),
      ];
      rgb.set(colour.map(clampToByte), (y * width + x) * 3);
    }
  }
  return { width, height, rgb };
}

function clampToByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

function huffmanLookup(counts: number[], symbols: number[]): Map<string, number> {
  const table = new Map<string, number>();
  let code = 0;
  let next = 0;
  counts.forEach((count, i) => {
    for (let n = 0; n < count; n++) table.set((code++).toString(2).padStart(i + 1, "0"), symbols[next++]!);
    code <<= 1;
  });
  return table;
}

class MsbBitReader {
  readonly #bytes: number[] = [];
  #offset = 0;
  constructor(entropyCoded: Uint8Array) {
    // Undo byte stuffing: 0xFF 0x00 stands for a data byte 0xFF.
    for (let i = 0; i < entropyCoded.length; i++) {
      this.#bytes.push(entropyCoded[i]!);
      if (entropyCoded[i] === 0xff) {
        if (entropyCoded[i + 1] !== 0x00) throw new Error("unstuffed 0xFF in entropy-coded data");
        i++;
      }
    }
  }
  read(bits: number): number {
    let value = 0;
    for (let i = 0; i < bits; i++, this.#offset++) {
      if (this.#offset >= this.#bytes.length * 8) throw new Error("read past the end of the scan");
      value = (value << 1) | ((this.#bytes[this.#offset >> 3]! >> (7 - (this.#offset & 7))) & 1);
    }
    return value;
  }
}
