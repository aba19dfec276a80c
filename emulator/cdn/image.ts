/** An sRGB colour, 0–255 per channel. */
export type Rgb = readonly [red: number, green: number, blue: number];

/**
 * A palette image, the one shape every CDN encoder takes: each pixel is an index into `palette`,
 * stored row by row from the top left. Generated images use few colours, which is what lets the
 * GIF, PNG and WebP encoders stay small.
 */
export interface IndexedImage {
  width: number;
  height: number;
  palette: readonly Rgb[];
  pixels: Uint8Array;
}

export function rgbAt(image: IndexedImage, x: number, y: number): Rgb {
  const colour = image.palette[image.pixels[y * image.width + x]!];
  if (!colour) throw new Error(`pixel (${x}, ${y}) indexes past the palette`);
  return colour;
}
