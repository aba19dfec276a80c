import { binaryString } from "../schemas/card-images.ts";
import { ingestHeaders, signedRoute } from "../schemas/ingest-signature.ts";

/**
 * An HTTP request to the Worker's ingest routes, signed as schemas/ingest-signature.ts describes (a
 * GET signs the empty body). Every call has a deadline: a Worker that accepts the connection and
 * never answers must not stall the buffer.
 */
export async function signedFetch(
  url: string,
  secret: string,
  request: {
    method: "GET" | "POST" | "PUT" | "DELETE";
    /** JSON text, or an image's bytes (signed as their binary string, schemas/card-images.ts). */
    body?: string | Uint8Array<ArrayBuffer>;
    /** The body's type when it is not JSON. */
    contentType?: string;
    timeoutMs: number;
  },
): Promise<Response> {
  const body = request.body ?? "";
  const signed = typeof body === "string" ? body : binaryString(body);
  const headers = await ingestHeaders(secret, signedRoute(request.method, url), signed);
  if (request.contentType) headers["content-type"] = request.contentType;
  return fetch(url, {
    method: request.method,
    headers,
    body: request.method === "GET" ? undefined : body,
    // A redirect is a wrong INGEST_URL to report, not a place to send signed requests to.
    redirect: "manual",
    signal: AbortSignal.timeout(request.timeoutMs),
  });
}

/** A route under the ingest URL: https://w.example/ingest + "sessions" → https://w.example/ingest/sessions (query and hash dropped). */
export function ingestRouteUrl(ingestUrl: string, path: string): URL {
  const url = new URL(ingestUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${path}`;
  url.search = "";
  url.hash = "";
  return url;
}
