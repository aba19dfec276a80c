/**
 * Lanyard's ?compression=zlib_json: each frame deflated on its own, zlib format (RFC 1950, what
 * Erlang's :zlib.compress and pako.inflate speak), sent as a binary message. The same frame often
 * goes to many sockets in one fan-out, so the last few results are kept and a frame is deflated
 * once however many compressed sockets receive it.
 */
const RECENT = 16;
const recent = new Map<string, Promise<Uint8Array>>();

export function compressFrame(frame: string): Promise<Uint8Array> {
  const cached = recent.get(frame);
  if (cached) return cached;
  const bytes = deflate(frame);
  recent.set(frame, bytes);
  if (recent.size > RECENT) recent.delete(recent.keys().next().value!);
  bytes.catch(() => recent.delete(frame));
  return bytes;
}

async function deflate(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
