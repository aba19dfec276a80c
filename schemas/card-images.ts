/**
 * Card images the gateway runner stores for the Worker (PUT /ingest/images/:key, R2 binding
 * CARD_IMAGES), so a card's images need not come from Discord's CDN when it is viewed. Shared by
 * both sides: the card's own fetch limits (the runner fetches within the same ones), the key the
 * card looks an image up by, and how an image body is signed.
 */

/** One image fetch's deadline, the card's and the runner's. */
export const IMAGE_TIMEOUT_MS = 3_000;
/** The most bytes one image may have, wherever it is fetched or stored. */
export const MAX_IMAGE_BYTES = 256 * 1024;

/** A stored image's key: the SHA-256 of the sized CDN URL the card would fetch, in hex. */
export const CARD_IMAGE_KEY = /^[0-9a-f]{64}$/;

/**
 * The key of the image at `url` (the sized URL of workers/cards/images.ts). A hash rather than the
 * URL itself: a fixed length whatever the URL, safe in a path, and the same for every card that
 * draws the image, so R2 holds one object per image, never one per user or view.
 */
export async function cardImageKey(url: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(url));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Bytes as a binary string, one character per byte (Latin-1): what an image body is signed as
 * (schemas/ingest-signature.ts signs text; this differs for any two bodies and both sides build it
 * from the bytes alone), and what btoa encodes. A chunk at a time: String.fromCharCode takes only
 * so many arguments.
 */
export function binaryString(bytes: Uint8Array): string {
  let text = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) text += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return text;
}
