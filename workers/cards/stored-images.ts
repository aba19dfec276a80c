import { cardImageKey, MAX_IMAGE_BYTES } from "../../schemas/card-images.ts";

/**
 * Card images the gateway runner stored in R2 (CARD_IMAGES), read by the URL the card would
 * otherwise fetch. Without the binding (a deployment that has not added the bucket) every image
 * comes from the CDN, as before.
 */
export function storedImageReader(
  bucket: R2Bucket | undefined,
): ((url: string) => Promise<Uint8Array | null>) | undefined {
  if (!bucket) return undefined;
  return async (url) => {
    const object = await bucket.get(await cardImageKey(url));
    // The route refuses larger ones; an object put some other way is not trusted past the limit.
    if (!object || object.size > MAX_IMAGE_BYTES) {
      await object?.body.cancel();
      return null;
    }
    return new Uint8Array(await object.arrayBuffer());
  };
}
