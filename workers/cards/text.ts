/**
 * Text for a card: cleaned, measured and fitted to a width, since SVG text neither wraps nor
 * truncates by itself.
 *
 * Widths are estimated, because the Worker cannot know which face a viewer's browser picks from the
 * font stack (frame.ts). The table below is DejaVu Sans, the widest sans-serif in that stack's
 * fallback chain (Linux's default sans-serif; Segoe UI, San Francisco, Helvetica, Arial and Noto
 * Sans all set Latin text narrower), so text fitted with it fits whichever face renders it. The
 * renderer also clips each text column, as a last guard for scripts the table only approximates.
 */

export interface Font {
  size: number;
  bold: boolean;
}

// Advance widths of ASCII 32–126 in hundredths of an em, from DejaVu Sans Book and Bold.
// biome-ignore format: a table
const REGULAR = [32,40,46,84,64,95,78,27,39,39,50,84,32,36,32,34,64,64,64,64,64,64,64,64,64,64,34,34,84,84,84,53,100,68,69,70,77,63,58,77,75,29,29,66,56,86,75,79,60,79,69,63,61,73,68,99,69,61,69,39,34,39,84,50,50,61,63,55,63,62,35,63,63,28,28,58,28,97,63,61,63,63,41,52,39,63,59,82,59,59,52,64,34,64,84];
// biome-ignore format: a table
const BOLD = [35,46,52,84,70,100,87,31,46,46,52,84,38,42,38,37,70,70,70,70,70,70,70,70,70,70,40,40,84,84,84,58,100,77,76,73,83,68,68,82,84,37,37,77,64,100,84,85,73,85,77,72,68,81,77,110,77,72,73,46,37,46,84,50,50,67,72,59,72,68,44,72,71,34,34,67,34,104,71,69,72,72,49,60,48,71,65,92,65,65,58,71,37,71,84];

/** Combining marks, zero-width spaces and joiners, variation selectors, tag characters. */
const ZERO_WIDTH = /^(?:\p{M}|[\u200B-\u200F\u2060]|[\uFE00-\uFE0F]|[\u{E0000}-\u{E007F}])$/u;
const EMOJI = /^\p{Extended_Pictographic}$/u;
/** Hangul, CJK, kana, full-width forms: one em each. */
const WIDE =
  /^[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]$/u;

/** One code point's advance in ems; letters outside ASCII are taken as wide as DejaVu's capitals. */
function advance(char: string, bold: boolean): number {
  const code = char.codePointAt(0)!;
  if (code >= 32 && code <= 126) return (bold ? BOLD : REGULAR)[code - 32]! / 100;
  if (ZERO_WIDTH.test(char)) return 0;
  if (EMOJI.test(char)) return 1.3;
  if (WIDE.test(char)) return 1;
  return bold ? 0.8 : 0.72;
}

export function textWidth(value: string, font: Font): number {
  let ems = 0;
  for (const char of value) ems += advance(char, font.bold);
  return ems * font.size;
}

/**
 * Characters a card never draws: controls (XML forbids most, the rest draw as boxes) and the
 * bidirectional embeddings, overrides and isolates, which would let a crafted name reverse the
 * text that follows it. Ordinary right-to-left text needs none of them.
 */
const UNDRAWN = /[\p{Cc}\u202A-\u202E\u2066-\u2069\uFFF9-\uFFFB]/gu;

/**
 * A user's string as one line: undrawn characters dropped, whitespace runs made one space, and cut
 * to `maxChars` code points before anything measures it, so a 100,000-character activity name
 * costs no more than a short one.
 */
export function cleanText(value: string | null | undefined, maxChars = 256): string {
  if (!value) return "";
  const short = value.length > maxChars * 2 ? value.slice(0, maxChars * 2) : value;
  const clean = short.replace(UNDRAWN, " ").replace(/\s+/g, " ").trim();
  const chars = [...clean];
  return chars.length > maxChars ? chars.slice(0, maxChars).join("") : clean;
}

const segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter(undefined) : null;

/** User-perceived characters, so a cut never splits an emoji sequence or an accent from its letter. */
function graphemes(value: string): string[] {
  return segmenter ? Array.from(segmenter.segment(value), (s) => s.segment) : [...value];
}

const ELLIPSIS = "…";

/** The longest run of whole graphemes from the start of `value` no wider than `room`. */
function prefixWithin(value: string, room: number, font: Font): string {
  let out = "";
  let width = 0;
  for (const grapheme of graphemes(value)) {
    width += textWidth(grapheme, font);
    if (width > room) break;
    out += grapheme;
  }
  return out;
}

/** The text, or as much of it as fits with an ellipsis. */
export function fitText(value: string, maxWidth: number, font: Font): string {
  if (textWidth(value, font) <= maxWidth) return value;
  return prefixWithin(value, maxWidth - textWidth(ELLIPSIS, font), font).trimEnd() + ELLIPSIS;
}

/**
 * Greedy word wrap of a cleaned (single-spaced) string into at most `maxLines` lines. A word wider
 * than a line is cut; whatever does not fit ends the last line with an ellipsis.
 */
export function wrapText(value: string, maxWidth: number, font: Font, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = value;
  while (rest && lines.length < maxLines - 1) {
    const line = firstLine(rest, maxWidth, font);
    lines.push(line);
    rest = rest.slice(line.length).trimStart();
  }
  if (rest) lines.push(fitText(rest, maxWidth, font));
  return lines;
}

/** As many whole words as fit; if not even the first does, as much of it as fits (at least a grapheme). */
function firstLine(value: string, maxWidth: number, font: Font): string {
  if (textWidth(value, font) <= maxWidth) return value;
  let line = "";
  for (const word of value.split(" ")) {
    const candidate = line ? `${line} ${word}` : word;
    if (textWidth(candidate, font) > maxWidth) break;
    line = candidate;
  }
  return line || prefixWithin(value, maxWidth, font) || graphemes(value)[0]!;
}
