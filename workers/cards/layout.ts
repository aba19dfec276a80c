import type { CardOptions } from "./options.ts";

/**
 * The card's fixed geometry, in SVG user units (CSS pixels at 100%). A card's size depends only on
 * its parameters, never on the presence, so a README does not jump as the user's activity comes
 * and goes: 560×260, or 560×128 with hideActivity (and for an error card about such a card).
 */

export const CARD_WIDTH = 560;
export const HEADER_HEIGHT = 128;
export const FULL_HEIGHT = 260;
export const PADDING = 22;

export const AVATAR = { x: PADDING, y: 22, size: 84 } as const;
/** The status dot sits on the avatar's edge at 45°, inside a ring of the card's background. */
export const STATUS_DOT = {
  cx: AVATAR.x + AVATAR.size / 2 + (AVATAR.size / 2) * Math.SQRT1_2,
  cy: AVATAR.y + AVATAR.size / 2 + (AVATAR.size / 2) * Math.SQRT1_2,
  r: 10,
  ring: 4,
} as const;

/** The header's text column, right of the avatar. */
export const HEADER_TEXT = { x: AVATAR.x + AVATAR.size + 18, right: CARD_WIDTH - PADDING } as const;

export const ACTIVITY = {
  top: HEADER_HEIGHT,
  labelBaseline: 150,
  image: { x: PADDING, y: 160, size: 80, radius: 10 },
  smallImage: { r: 13, ring: 3 },
  /** Lined up with the header's text. */
  text: { x: HEADER_TEXT.x, right: CARD_WIDTH - PADDING },
  /** Baselines of the title, the two lines under it, and the time or progress row. */
  rows: [178, 198, 217, 236],
} as const;

export const FONTS = {
  name: { size: 22, bold: true },
  username: { size: 14, bold: false },
  status: { size: 14, bold: false },
  tag: { size: 12, bold: true },
  label: { size: 11, bold: true },
  title: { size: 16, bold: true },
  line: { size: 14, bold: false },
  time: { size: 12, bold: false },
  initial: { size: 36, bold: true },
} as const;

export function cardHeight(options: Pick<CardOptions, "hideActivity">): number {
  return options.hideActivity ? HEADER_HEIGHT : FULL_HEIGHT;
}
