import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { binaryString, CARD_IMAGE_KEY, MAX_IMAGE_BYTES } from "../../schemas/card-images.ts";
import type { Env } from "../../settings/env.ts";
import { type ImageType, sniffImageType } from "../cards/mime.ts";
import { authenticateBytes, IngestError, signedHeaders } from "./ingest.ts";

/**
 * PUT /ingest/images/:key: the gateway runner stores a card image it fetched from the CDN, so
 * cards read it from R2 (CARD_IMAGES) instead of asking Discord's CDN when they are viewed. Signed
 * like every ingest route, over the body's bytes (schemas/card-images.ts binaryString). One object
 * per image, overwritten by key; a bucket lifecycle rule ages out images no longer shown.
 */

/** Why an upload is refused (a 400 or 415), or the type to store it as. */
export function checkCardImage(
  key: string,
  bytes: Uint8Array,
): { ok: true; type: ImageType } | { ok: false; status: 400 | 415; error: string } {
  if (!CARD_IMAGE_KEY.test(key))
    return { ok: false, status: 400, error: "key: must be the SHA-256 of the image's URL, in hex" };
  if (bytes.length === 0) return { ok: false, status: 400, error: "body: empty" };
  // Typed by its bytes, as cards are: a Content-Type header could say anything.
  const type = sniffImageType(bytes);
  if (!type) return { ok: false, status: 415, error: "body: must be a PNG, JPEG, GIF or WebP image" };
  return { ok: true, type };
}

const imagesPut = createRoute({
  method: "put",
  path: "/ingest/images/{key}",
  tags: ["Internal"],
  summary: "Store a card image the runner fetched (gateway runner only)",
  request: {
    headers: signedHeaders,
    params: z.object({ key: z.string().regex(CARD_IMAGE_KEY) }),
    body: {
      content: { "application/octet-stream": { schema: z.string().meta({ format: "binary" }) } },
      required: true,
    },
  },
  responses: {
    204: { description: "Stored (replacing any image under the key)." },
    400: { description: "Bad key or empty body.", content: { "application/json": { schema: IngestError } } },
    401: { description: "Signature refused.", content: { "application/json": { schema: IngestError } } },
    413: {
      description: `Over ${MAX_IMAGE_BYTES} bytes.`,
      content: { "application/json": { schema: IngestError } },
    },
    415: {
      description: "Not a PNG, JPEG, GIF or WebP image.",
      content: { "application/json": { schema: IngestError } },
    },
    503: {
      description: "Ingest or the CARD_IMAGES bucket is not configured.",
      content: { "application/json": { schema: IngestError } },
    },
  },
});

export function registerCardImages(app: OpenAPIHono<{ Bindings: Env }>) {
  app.openAPIRegistry.registerPath(imagesPut);
  app.put("/ingest/images/:key", async (c) => {
    const auth = await authenticateBytes(c, MAX_IMAGE_BYTES, binaryString);
    if (auth instanceof Response) return auth;
    const bucket = c.env.CARD_IMAGES;
    if (!bucket) return c.json({ error: "card images are not configured: no CARD_IMAGES bucket" }, 503);
    const checked = checkCardImage(c.req.param("key"), auth.bytes);
    if (!checked.ok) return c.json({ error: checked.error }, checked.status);
    await bucket.put(c.req.param("key"), auth.bytes, { httpMetadata: { contentType: checked.type } });
    return c.body(null, 204);
  });
}
