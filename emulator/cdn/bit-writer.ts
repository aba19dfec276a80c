/**
 * Packs values into bytes least-significant bit first, the order both GIF's LZW codes and WebP
 * lossless use (JPEG packs the other way round and has its own writer).
 */
export class LsbBitWriter {
  #bytes: number[] = [];
  #pending = 0;
  #pendingBits = 0;

  /** Appends the low `bits` bits of `value`; `bits` is at most 24. */
  write(value: number, bits: number): void {
    this.#pending |= (value & ((1 << bits) - 1)) << this.#pendingBits;
    this.#pendingBits += bits;
    while (this.#pendingBits >= 8) {
      this.#bytes.push(this.#pending & 0xff);
      this.#pending >>>= 8;
      this.#pendingBits -= 8;
    }
  }

  /** The bytes written so far, the last one padded with zero bits. */
  finish(): Uint8Array {
    const bytes = [...this.#bytes];
    if (this.#pendingBits > 0) bytes.push(this.#pending & 0xff);
    return Uint8Array.from(bytes);
  }
}
