import type { Context } from "hono";

/**
 * The one way a route reads a request body: counted as it arrives and abandoned at the limit, so
 * an oversized body (chunked, or with a Content-Length that understates it) costs at most the
 * limit in memory and reading, never its whole size. A declared length over the limit is refused
 * before anything is read.
 */

/** Every body limit the Worker's routes use (ingest's is INGEST_LIMITS, which the runner shares). */
export const BODY_LIMITS = {
  /** One value: 30,000 characters, each up to six bytes once JSON-escaped. */
  value: 256 * 1024,
  /**
   * A merge. 512 pairs at the limits are 15.4 M characters, which JSON may spell in up to 46 MB
   * of UTF-8 (or more with \u escapes): too much to parse at once in a 128 MB isolate, so a merge
   * is capped at 16 MiB and a larger store is built in several merges (documented).
   */
  merge: 16 * 1024 * 1024,
  /** Far above any interaction Discord sends (a button's carries its message, a few tens of KiB). */
  interaction: 256 * 1024,
  /** A DELETE carries nothing. */
  none: 0,
} as const;

/** The body as UTF-8 text, as `Request.text()` gives it; null when it is larger than `maxBytes`. */
export async function readBody(c: Context, maxBytes: number): Promise<string | null> {
  const bytes = await readBodyBytes(c, maxBytes);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/** The body's bytes (an image's, say); null when they are more than `maxBytes`. */
export async function readBodyBytes(c: Context, maxBytes: number): Promise<Uint8Array | null> {
  const declared = c.req.header("content-length");
  if (Number(declared) > maxBytes) return null;
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  return readCapped(stream, maxBytes);
}

/**
 * A stream's bytes, or null as soon as they pass `maxBytes`: counted as they arrive, whatever a
 * Content-Length said. Request bodies and fetched card images both read through it.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Tells the sender to stop rather than leaving the rest in flight.
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
