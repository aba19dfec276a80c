import type { LanternUser } from "../../schemas/lantern.ts";
import { type CardActivity, chooseActivity } from "./activity.ts";
import { clippedImage, columnClip, textAt } from "./frame.ts";
import { drawGlyph, GLYPHS, type GlyphName } from "./glyphs.ts";
import type { Section } from "./header.ts";
import type { CardImages } from "./images.ts";
import { ACTIVITY, CARD_WIDTH, FONTS, FULL_HEIGHT, PADDING } from "./layout.ts";
import type { CardOptions } from "./options.ts";
import { cleanText, fitText, textWidth, wrapText } from "./text.ts";
import type { Palette } from "./theme.ts";
import { activityTime, playback } from "./time.ts";
import { el, join, type Markup } from "./xml.ts";

/**
 * The card's lower part: one activity (its image, name, details, state, and elapsed time or a
 * listening progress bar), or the no-activity title and message.
 */

const { image: IMAGE, text: COLUMN, rows: ROWS } = ACTIVITY;
const COLUMN_WIDTH = COLUMN.right - COLUMN.x;
const BAR_HEIGHT = 4;

export function renderActivity(
  user: LanternUser,
  options: CardOptions,
  images: CardImages,
  palette: Palette,
  now: number,
): Section {
  const activity = chooseActivity(user, options);
  const defs = [
    el("clipPath", { id: "activity-image" }, imageRect({})),
    columnClip("activity-text", COLUMN.x, ACTIVITY.top, COLUMN.right, FULL_HEIGHT),
  ];
  const divider = el("rect", {
    x: PADDING,
    y: ACTIVITY.top,
    width: CARD_WIDTH - 2 * PADDING,
    height: 1,
    fill: palette.divider,
  });
  const body = activity
    ? join([
        label(activity.label, palette),
        largeImage(images.activityLarge, activity.kind === "listening" ? "note" : "controller", palette),
        smallImage(images.activitySmall, palette),
        el("g", { "clip-path": "url(#activity-text)" }, activityText(activity, options, palette, now)),
      ])
    : join([
        label("Activity", palette),
        largeImage(null, "moon", palette),
        el("g", { "clip-path": "url(#activity-text)" }, noActivityText(options, palette)),
      ]);
  return { defs, body: join([divider, body]) };
}

function imageRect(attributes: Record<string, string>): Markup {
  return el("rect", {
    x: IMAGE.x,
    y: IMAGE.y,
    width: IMAGE.size,
    height: IMAGE.size,
    rx: IMAGE.radius,
    ...attributes,
  });
}

function label(value: string, palette: Palette): Markup {
  const upper = fitText(value.toUpperCase(), CARD_WIDTH - 2 * PADDING, FONTS.label);
  return textAt(PADDING, ACTIVITY.labelBaseline, upper, FONTS.label, palette.faint, {
    "letter-spacing": 0.5,
  });
}

/** The activity's picture, or a tile with a glyph saying what kind of activity it is. */
function largeImage(image: string | null, placeholder: GlyphName, palette: Palette): Markup {
  if (image) return clippedImage(image, IMAGE.x, IMAGE.y, IMAGE.size, "activity-image");
  const glyphSize = IMAGE.size / 2;
  return join([
    imageRect({ fill: palette.placeholder }),
    drawGlyph(
      GLYPHS[placeholder],
      IMAGE.x + glyphSize / 2,
      IMAGE.y + glyphSize / 2,
      glyphSize,
      palette.placeholder,
      palette.faint,
    ),
  ]);
}

/** Discord's small image sits on the large one's corner in a ring of the background; none if missing. */
function smallImage(image: string | null, palette: Palette): Markup | null {
  if (!image) return null;
  const { r, ring } = ACTIVITY.smallImage;
  const cx = IMAGE.x + IMAGE.size - r / 2;
  const cy = IMAGE.y + IMAGE.size - r / 2;
  return join([
    el("clipPath", { id: "activity-small" }, el("circle", { cx, cy, r })),
    el("circle", { cx, cy, r: r + ring, fill: palette.background }),
    clippedImage(image, cx - r, cy - r, 2 * r, "activity-small"),
  ]);
}

function activityText(activity: CardActivity, options: CardOptions, palette: Palette, now: number): Markup {
  const rows = [
    textAt(COLUMN.x, ROWS[0], fitText(activity.title, COLUMN_WIDTH, FONTS.title), FONTS.title, palette.text),
    ...activity.lines.map((line, i) =>
      textAt(COLUMN.x, ROWS[i + 1]!, fitText(line, COLUMN_WIDTH, FONTS.line), FONTS.line, palette.muted),
    ),
  ];
  return join([...rows, options.hideTimestamp ? null : timeRow(activity, palette, now)]);
}

/** A progress bar for a listening activity with a start and an end; otherwise elapsed or remaining time. */
function timeRow(activity: CardActivity, palette: Palette, now: number): Markup | null {
  const baseline = ROWS[3];
  const track =
    activity.kind === "listening" && activity.start !== null && activity.end !== null
      ? playback(activity.start, activity.end, now)
      : null;
  if (!track) {
    const time = activityTime(activity.start, activity.end, now);
    return time ? textAt(COLUMN.x, baseline, time, FONTS.time, palette.faint) : null;
  }
  const barLeft = COLUMN.x + textWidth(track.position, FONTS.time) + 8;
  const barRight = COLUMN.right - textWidth(track.length, FONTS.time) - 8;
  const barTop = baseline - FONTS.time.size * 0.35 - BAR_HEIGHT / 2;
  const barWidth = barRight - barLeft;
  return join([
    textAt(COLUMN.x, baseline, track.position, FONTS.time, palette.faint),
    el("rect", {
      x: barLeft,
      y: barTop,
      width: barWidth,
      height: BAR_HEIGHT,
      rx: BAR_HEIGHT / 2,
      fill: palette.track,
    }),
    el("rect", {
      x: barLeft,
      y: barTop,
      width: Math.max(barWidth * track.fraction, BAR_HEIGHT),
      height: BAR_HEIGHT,
      rx: BAR_HEIGHT / 2,
      fill: palette.fill,
      "data-fraction": track.fraction.toFixed(4),
    }),
    textAt(COLUMN.right, baseline, track.length, FONTS.time, palette.faint, { "text-anchor": "end" }),
  ]);
}

function noActivityText(options: CardOptions, palette: Palette): Markup {
  const title = fitText(cleanText(options.noActivityTitle, 64), COLUMN_WIDTH, FONTS.title);
  const message = wrapText(cleanText(options.noActivityMessage, 256), COLUMN_WIDTH, FONTS.line, 3);
  return join([
    textAt(COLUMN.x, ROWS[0], title, FONTS.title, palette.text),
    ...message.map((line, i) => textAt(COLUMN.x, ROWS[i + 1]!, line, FONTS.line, palette.muted)),
  ]);
}
