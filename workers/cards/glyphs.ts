import { el, join, type Markup } from "./xml.ts";

/**
 * Small vector pictures drawn in white on a coloured tile: badges, placeholders and the error
 * card's sign. Hand-drawn on a 20×20 grid rather than copied from Discord's artwork, and inline, so
 * a card needs no image for any of them.
 */

export interface GlyphPart {
  d: string;
  /** Drawn as a 2-unit line instead of filled. */
  stroke?: boolean;
  /** Drawn in the tile's colour, to cut a hole in what came before. */
  cut?: boolean;
}

export type Glyph = readonly GlyphPart[];

export const GLYPHS = {
  star: [{ d: "M10 4.4L11.5 8.5L15.9 8.7L12.5 11.4L13.6 15.6L10 13.2L6.4 15.6L7.5 11.4L4.1 8.7L8.5 8.5Z" }],
  infinity: [
    {
      d: "M10 10C11.5 11.6 12.6 12.3 14 12.3C15.5 12.3 16.6 11.3 16.6 10C16.6 8.7 15.5 7.7 14 7.7C12.6 7.7 11.5 8.4 10 10C8.5 11.6 7.4 12.3 6 12.3C4.5 12.3 3.4 11.3 3.4 10C3.4 8.7 4.5 7.7 6 7.7C7.4 7.7 8.5 8.4 10 10Z",
      stroke: true,
    },
  ],
  house: [{ d: "M4.5 10.2L10 5L15.5 10.2V15.5H11.8V12.2H8.2V15.5H4.5Z" }],
  diamond: [{ d: "M10 3.8L16.2 10L10 16.2L3.8 10Z" }, { d: "M10 7.6L12.4 10L10 12.4L7.6 10Z", cut: true }],
  bug: [
    {
      d: "M10 7.2C12.2 7.2 13.4 8.9 13.4 11.3C13.4 13.9 12 15.6 10 15.6C8 15.6 6.6 13.9 6.6 11.3C6.6 8.9 7.8 7.2 10 7.2Z",
    },
    { d: "M8 7.4C8 5.9 8.9 5 10 5C11.1 5 12 5.9 12 7.4Z" },
    { d: "M6.6 10.2H4.2M13.4 10.2H15.8M6.8 13H4.6M13.2 13H15.4M8.3 5.5L7 4.2M11.7 5.5L13 4.2", stroke: true },
    { d: "M9.4 8.6H10.6V15H9.4Z", cut: true },
  ],
  heart: [
    {
      d: "M10 15.6L4.9 10.7C3.4 9.2 3.6 6.9 5.3 5.9C6.9 5 8.7 5.6 10 7.2C11.3 5.6 13.1 5 14.7 5.9C16.4 6.9 16.6 9.2 15.1 10.7Z",
    },
  ],
  people: [
    {
      d: "M7.4 5.2A2.3 2.3 0 1 1 7.39 5.2ZM3.6 14.8C3.6 11.9 5.3 10.4 7.4 10.4C9.5 10.4 11.2 11.9 11.2 14.8Z",
    },
    {
      d: "M13.2 6.4A2 2 0 1 1 13.19 6.4ZM12.2 10.9C14.7 10.5 16.6 12 16.6 14.8H12.4C12.4 13.2 12.4 11.9 12.2 10.9Z",
    },
  ],
  check: [{ d: "M5.4 10.4L8.6 13.6L14.8 6.8", stroke: true }],
  robot: [
    { d: "M5.2 8.2H14.8V15.2H5.2Z" },
    { d: "M10 4.6V8.2", stroke: true },
    { d: "M7.2 10.4H8.8V12H7.2ZM11.2 10.4H12.8V12H11.2Z", cut: true },
  ],
  shield: [
    { d: "M10 3.8L15.6 5.8V9.9C15.6 13 13.3 15.4 10 16.4C6.7 15.4 4.4 13 4.4 9.9V5.8Z" },
    { d: "M7.6 10.1L9.3 11.8L12.6 8.4", stroke: true, cut: true },
  ],
  slash: [{ d: "M12.8 4.6L7.2 15.4", stroke: true }],
  code: [{ d: "M7.4 6.4L3.8 10L7.4 13.6M12.6 6.4L16.2 10L12.6 13.6M11 5.6L9 14.4", stroke: true }],
  note: [
    { d: "M8.2 13.6V5.4L15.4 4V12.2", stroke: true },
    { d: "M8.2 13.4A2.2 1.8 0 1 1 8.19 13.4ZM15.4 12A2.2 1.8 0 1 1 15.39 12Z" },
  ],
  controller: [
    {
      d: "M6.4 6.6H13.6C15.8 6.6 17.2 8.4 17.2 11.2C17.2 13.6 15.2 14.6 13.8 12.8L13 11.8H7L6.2 12.8C4.8 14.6 2.8 13.6 2.8 11.2C2.8 8.4 4.2 6.6 6.4 6.6Z",
    },
    { d: "M5.8 9.4H8.2M7 8.2V10.6", stroke: true, cut: true },
    { d: "M12.4 8.7A0.8 0.8 0 1 1 12.39 8.7ZM14 10.1A0.8 0.8 0 1 1 13.99 10.1Z", cut: true },
  ],
  moon: [{ d: "M12.6 4.2A6.2 6.2 0 1 0 15.8 14.3A5.2 5.2 0 0 1 12.6 4.2Z" }],
  warning: [
    { d: "M10 3.6L17 15.8H3Z" },
    { d: "M9.1 7.8H10.9L10.6 12.2H9.4ZM10 13.2A0.95 0.95 0 1 1 9.99 13.2Z", cut: true },
  ],
} satisfies Record<string, Glyph>;

export type GlyphName = keyof typeof GLYPHS;

/** A glyph scaled into a `size`-pixel square at (x, y), in white over `tile`. */
export function drawGlyph(
  glyph: Glyph,
  x: number,
  y: number,
  size: number,
  tile: string,
  ink = "#ffffff",
): Markup {
  return el(
    "g",
    { transform: `translate(${x} ${y}) scale(${size / 20})` },
    join(
      glyph.map((part) => {
        const colour = part.cut ? tile : ink;
        return part.stroke
          ? el("path", {
              d: part.d,
              fill: "none",
              stroke: colour,
              "stroke-width": 2,
              "stroke-linecap": "round",
              "stroke-linejoin": "round",
            })
          : el("path", { d: part.d, fill: colour });
      }),
    ),
  );
}
