import { encodeGif } from "./gif.ts";
import { encodeJpeg } from "./jpeg.ts";
import { identicon, type PatternColours, swapColours } from "./pattern.ts";
import { encodePng } from "./png.ts";
import { encodeWebp } from "./webp.ts";

export type ImageFormat = "png" | "jpeg" | "webp" | "gif";

export const CONTENT_TYPES: Record<ImageFormat, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
};

/** Everything that decides an image's bytes. */
export interface ImageSpec {
  /** What the picture is derived from: the path without format and size. */
  key: string;
  /** Width and height in pixels, a multiple of 8. */
  size: number;
  format: ImageFormat;
  /** Two frames instead of one; only GIF carries them, other formats show the first. */
  animated: boolean;
  /** Fixed colours instead of ones derived from the key. */
  colours?: PatternColours;
}

export function renderImage(spec: ImageSpec): Uint8Array<ArrayBuffer> {
  const picture = identicon(spec.key, spec.size, spec.colours);
  switch (spec.format) {
    case "png":
      return encodePng(picture);
    case "jpeg":
      return encodeJpeg(picture);
    case "webp":
      return encodeWebp(picture);
    case "gif":
      return encodeGif(spec.animated ? [picture, swapColours(picture)] : [picture]);
  }
}
