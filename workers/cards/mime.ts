import { binaryString } from "../../schemas/card-images.ts";

/**
 * An image's type read from its first bytes, never from the server's Content-Type: a CDN may say
 * "application/octet-stream", and a data URI with the wrong type does not draw. Only the raster
 * formats Discord's and Spotify's CDNs serve are accepted; anything else (an HTML error page, an
 * SVG that could carry its own references) is refused and the card draws a placeholder.
 */

export type ImageType = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) =>
  bytes.length >= at + signature.length && signature.every((byte, i) => bytes[at + i] === byte);

export function sniffImageType(bytes: Uint8Array): ImageType | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (
    startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) &&
    (bytes[4] === 0x37 || bytes[4] === 0x39) &&
    bytes[5] === 0x61
  )
    return "image/gif";
  // RIFF, four bytes of length, WEBP.
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))
    return "image/webp";
  return null;
}

/** The bytes as a data URI of their sniffed type, or null when they are no image we accept. */
export function imageDataUri(bytes: Uint8Array): string | null {
  const type = sniffImageType(bytes);
  return type ? `data:${type};base64,${base64(bytes)}` : null;
}

function base64(bytes: Uint8Array): string {
  return btoa(binaryString(bytes));
}
