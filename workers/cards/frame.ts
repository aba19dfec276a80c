import type { Font } from "./text.ts";
import type { Palette } from "./theme.ts";
import { type Attributes, el, type Markup, text } from "./xml.ts";

/**
 * The font stack: GitHub's own UI stack, then the platforms' emoji faces, then their faces for the
 * scripts the UI faces lack. A README's readers view the card inside GitHub, so Latin text draws in
 * the same face as the page around it on every platform (San Francisco, Segoe UI, Noto Sans,
 * Helvetica or Arial), with nothing to download: an SVG shown as an <img> may not load web fonts,
 * and an embedded subset would add tens of kilobytes per card and still miss the scripts and emoji
 * people put in their names. So those come from the reader's system, named for each platform
 * rather than left to the browser's last-resort fallback, which differs from browser to browser.
 * text.ts measures for the widest fallback so text fits whichever face renders it.
 */
const UI_FACES = ["-apple-system", "BlinkMacSystemFont", "'Segoe UI'", "'Noto Sans'", "Helvetica", "Arial"];
const EMOJI_FACES = ["'Apple Color Emoji'", "'Segoe UI Emoji'", "'Noto Color Emoji'"];
/**
 * Chinese, Japanese and Korean, each platform's UI faces: macOS, then Windows, then Linux and
 * Android (whose Noto Sans CJK JP has every CJK character). Han characters are shared between the
 * languages and a card cannot know its reader's, so the generic sans-serif comes first: browsers
 * that choose it by the reader's language draw their usual face, and these fill in where it lacks.
 */
const CJK_FACES = [
  "'Hiragino Sans'",
  "'PingFang SC'",
  "'Apple SD Gothic Neo'",
  "'Yu Gothic UI'",
  "'Microsoft YaHei'",
  "'Malgun Gothic'",
  "'Noto Sans CJK JP'",
];
/** Arabic script: macOS's and Linux's UI faces (Segoe UI has it on Windows). */
const ARABIC_FACES = ["'Geeza Pro'", "'Noto Sans Arabic'"];

export const FONT_STACK = [...UI_FACES, "sans-serif", ...EMOJI_FACES, ...CJK_FACES, ...ARABIC_FACES].join(
  ", ",
);

export function textAt(
  x: number,
  y: number,
  value: string,
  font: Font,
  fill: string,
  extra: Attributes = {},
): Markup {
  return el(
    "text",
    { x, y, "font-size": font.size, "font-weight": font.bold ? 700 : null, fill, ...extra },
    text(value),
  );
}

/** An inlined picture filling a `size` square, cropped to cover it and clipped to `clipId`. */
export function clippedImage(href: string, x: number, y: number, size: number, clipId: string): Markup {
  return el("image", {
    href,
    x,
    y,
    width: size,
    height: size,
    preserveAspectRatio: "xMidYMid slice",
    "clip-path": `url(#${clipId})`,
  });
}

/** A rectangle clip path, for a text column that must never draw past its edge. */
export function columnClip(id: string, x: number, y: number, right: number, bottom: number): Markup {
  return el("clipPath", { id }, el("rect", { x, y, width: right - x, height: bottom - y }));
}

export interface FrameSpec {
  width: number;
  height: number;
  radius: number;
  palette: Palette;
  /** What a screen reader says for the image. */
  title: string;
  defs: readonly Markup[];
}

/** The whole document: root element, accessible title, definitions, the rounded card itself, then `body`. */
export function frame(spec: FrameSpec, body: readonly (Markup | null)[]): string {
  const radius = Math.min(spec.radius, spec.height / 2);
  return el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width: spec.width,
      height: spec.height,
      viewBox: `0 0 ${spec.width} ${spec.height}`,
      role: "img",
      "aria-label": spec.title,
      "font-family": FONT_STACK,
    },
    el("title", {}, text(spec.title)),
    spec.defs.length ? el("defs", {}, ...spec.defs) : null,
    // Inset by half the stroke so the border is drawn whole.
    el("rect", {
      x: 0.5,
      y: 0.5,
      width: spec.width - 1,
      height: spec.height - 1,
      rx: Math.max(radius - 0.5, 0),
      fill: spec.palette.background,
      stroke: spec.palette.border,
    }),
    ...body,
  ).markup;
}
