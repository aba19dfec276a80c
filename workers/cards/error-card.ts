import { frame, textAt } from "./frame.ts";
import { drawGlyph, GLYPHS } from "./glyphs.ts";
import { AVATAR, CARD_WIDTH, FONTS, FULL_HEIGHT, HEADER_TEXT, PADDING } from "./layout.ts";
import type { CardOptions } from "./options.ts";
import { cleanText, fitText, wrapText } from "./text.ts";
import { palette } from "./theme.ts";
import { el, join } from "./xml.ts";

/**
 * The card shown instead of a profile when there is none to show (a user who is not monitored, a
 * bad parameter): still an SVG, so a README shows a readable reason instead of a broken image. It
 * keeps the size the card would have had, when the options are known, so nothing moves once the
 * problem is fixed.
 */

const WARNING = "#f0b232";
const TITLE_HEIGHT = 32;
const LINE_HEIGHT = 20;

export function renderErrorCard(
  title: string,
  message: string,
  options: Pick<CardOptions, "theme" | "background" | "borderRadius"> & { height?: number },
): string {
  const colours = palette(options);
  const height = options.height ?? FULL_HEIGHT;
  const width = HEADER_TEXT.right - HEADER_TEXT.x;
  // As many message lines as fit under the title; the sign and the text are centred vertically.
  const maxLines = Math.max(1, Math.floor((height - 2 * PADDING - TITLE_HEIGHT) / LINE_HEIGHT));
  const lines = wrapText(cleanText(message, 512), width, FONTS.line, maxLines);
  const top = (height - TITLE_HEIGHT - lines.length * LINE_HEIGHT) / 2;
  const sign = { y: (height - AVATAR.size) / 2, inset: 17 };
  return frame(
    {
      width: CARD_WIDTH,
      height,
      radius: options.borderRadius,
      palette: colours,
      title: `${title}: ${message}`,
      defs: [],
    },
    [
      el("rect", { x: AVATAR.x, y: sign.y, width: AVATAR.size, height: AVATAR.size, rx: 16, fill: WARNING }),
      drawGlyph(
        GLYPHS.warning,
        AVATAR.x + sign.inset,
        sign.y + sign.inset,
        AVATAR.size - 2 * sign.inset,
        WARNING,
      ),
      textAt(
        HEADER_TEXT.x,
        top + 22,
        fitText(cleanText(title, 64), width, FONTS.name),
        FONTS.name,
        colours.text,
      ),
      join(
        lines.map((line, i) =>
          textAt(HEADER_TEXT.x, top + TITLE_HEIGHT + 15 + i * LINE_HEIGHT, line, FONTS.line, colours.muted),
        ),
      ),
    ],
  );
}
