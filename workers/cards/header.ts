import type { LanternUser } from "../../schemas/lantern.ts";
import { customStatusOf, isStreaming } from "./activity.ts";
import { badgesFor } from "./badges.ts";
import { clippedImage, columnClip, textAt } from "./frame.ts";
import { drawGlyph, GLYPHS } from "./glyphs.ts";
import type { CardImages } from "./images.ts";
import { AVATAR, FONTS, HEADER_HEIGHT, HEADER_TEXT, STATUS_DOT } from "./layout.ts";
import type { CardOptions } from "./options.ts";
import { cleanText, fitText, textWidth } from "./text.ts";
import { type Palette, STATUS_COLOURS } from "./theme.ts";
import { lastSeen, millis } from "./time.ts";
import { el, join, type Markup, text } from "./xml.ts";

/**
 * The card's top: the avatar with its status dot, and beside it up to four lines (name; pills and
 * username; badges; custom status or last seen), centred on the avatar whichever of them show.
 */

export interface Section {
  defs: Markup[];
  body: Markup;
}

interface Line {
  height: number;
  /** Draws the line with its vertical middle at `middle`. */
  draw: (middle: number) => Markup;
}

const TEXT_WIDTH = HEADER_TEXT.right - HEADER_TEXT.x;
const BADGE_SIZE = 20;
const BADGE_GAP = 4;
const PILL_HEIGHT = 18;
const EMOJI_SIZE = 18;
/** From a line's vertical middle to the baseline of text of this size. */
const baselineBelow = (middle: number, size: number) => middle + size * 0.35;

export function renderHeader(
  user: LanternUser,
  options: CardOptions,
  images: CardImages,
  palette: Palette,
  now: number,
): Section {
  const name = displayName(user, options);
  const lines = [
    nameLine(name, palette),
    pillsLine(user, name, options, images, palette),
    options.hideBadges ? null : badgesLine(user),
    statusLine(user, options, images, palette, now),
  ].filter((line): line is Line => line !== null);
  const total = lines.reduce((sum, line) => sum + line.height, 0);
  let top = AVATAR.y + AVATAR.size / 2 - total / 2;
  const drawn = lines.map((line) => {
    const markup = line.draw(top + line.height / 2);
    top += line.height;
    return markup;
  });
  return {
    defs: [
      el("clipPath", { id: "avatar" }, avatarCircle()),
      columnClip("header-text", HEADER_TEXT.x, 0, HEADER_TEXT.right, HEADER_HEIGHT),
    ],
    body: join([
      avatar(images.avatar, palette, name),
      options.hideStatus ? null : statusDot(user, palette),
      el("g", { "clip-path": "url(#header-text)" }, ...drawn),
    ]),
  };
}

function displayName(user: LanternUser, options: CardOptions): string {
  const { username, global_name } = user.metadata;
  return (
    cleanText(options.hideGlobalName ? username : global_name || username, 64) || cleanText(username, 64)
  );
}

/** Bots keep their four-digit discriminator; everyone else's is "0". */
function handle(user: LanternUser): string {
  const { username, discriminator } = user.metadata;
  const name = cleanText(username, 64);
  return discriminator && discriminator !== "0" ? `${name}#${cleanText(discriminator, 4)}` : name;
}

function avatarCircle(): Markup {
  const r = AVATAR.size / 2;
  return el("circle", { cx: AVATAR.x + r, cy: AVATAR.y + r, r });
}

function avatar(image: string | null, palette: Palette, name: string): Markup {
  if (image) return clippedImage(image, AVATAR.x, AVATAR.y, AVATAR.size, "avatar");
  // No picture could be had: the name's initial on a plain disc.
  const r = AVATAR.size / 2;
  const initial = [...name][0]?.toUpperCase() ?? "?";
  return join([
    el("circle", { cx: AVATAR.x + r, cy: AVATAR.y + r, r, fill: palette.placeholder }),
    textAt(
      AVATAR.x + r,
      baselineBelow(AVATAR.y + r, FONTS.initial.size),
      initial,
      FONTS.initial,
      palette.muted,
      {
        "text-anchor": "middle",
      },
    ),
  ]);
}

/** Discord's dot: a disc for online, a crescent for idle, a bar for dnd, a ring for offline. */
function statusDot(user: LanternUser, palette: Palette): Markup {
  const { cx, cy, r, ring } = STATUS_DOT;
  const status = user.status;
  const colour =
    status !== "offline" && isStreaming(user) ? STATUS_COLOURS.streaming : STATUS_COLOURS[status];
  const hole = palette.background;
  const cutout =
    status === "idle"
      ? el("circle", { cx: cx - r * 0.45, cy: cy - r * 0.45, r: r * 0.62, fill: hole })
      : status === "dnd"
        ? el("rect", {
            x: cx - r * 0.6,
            y: cy - r * 0.18,
            width: r * 1.2,
            height: r * 0.36,
            rx: r * 0.18,
            fill: hole,
          })
        : status === "offline"
          ? el("circle", { cx, cy, r: r * 0.45, fill: hole })
          : null;
  return el(
    "g",
    {},
    el("title", {}, text(status)),
    el("circle", { cx, cy, r: r + ring, fill: hole }),
    el("circle", { cx, cy, r, fill: colour }),
    cutout,
  );
}

function nameLine(name: string, palette: Palette): Line {
  const shown = fitText(name, TEXT_WIDTH, FONTS.name);
  return {
    height: 30,
    draw: (middle) =>
      textAt(HEADER_TEXT.x, baselineBelow(middle, FONTS.name.size), shown, FONTS.name, palette.text),
  };
}

/**
 * "APP" for a bot, the server tag, then the username. Pills come first because their widths are
 * known (a few fixed characters, centred in their box), so nothing is placed after a measured
 * estimate of the username's width.
 */
function pillsLine(
  user: LanternUser,
  name: string,
  options: CardOptions,
  images: CardImages,
  palette: Palette,
): Line | null {
  const pills: { width: number; draw: (x: number, middle: number) => Markup }[] = [];
  if (user.metadata.bot) pills.push(pill("APP", null, "#5865f2", "#ffffff"));
  const tag = options.hideServerTag ? "" : cleanText(user.server_tag?.name, 8);
  if (tag) pills.push(pill(tag, images.serverTag, palette.placeholder, palette.text));
  const handleText = handle(user);
  const showHandle = handleText !== name;
  if (!pills.length && !showHandle) return null;
  return {
    height: 22,
    draw: (middle) => {
      let x = HEADER_TEXT.x;
      const drawn = pills.map((p) => {
        const markup = p.draw(x, middle);
        x += p.width + 6;
        return markup;
      });
      const rest = HEADER_TEXT.right - x;
      const username = showHandle
        ? textAt(
            x,
            baselineBelow(middle, FONTS.username.size),
            fitText(handleText, rest, FONTS.username),
            FONTS.username,
            palette.muted,
          )
        : null;
      return join([...drawn, username]);
    },
  };
}

const PILL = { icon: 12, padding: 6, gap: 4, maxText: 44 } as const;

/** A rounded label (and optional icon); its text is centred, so a narrower face only adds padding. */
function pill(label: string, icon: string | null, fill: string, ink: string) {
  const shown = fitText(label, PILL.maxText, FONTS.tag);
  const shownWidth = textWidth(shown, FONTS.tag);
  const iconRoom = icon ? PILL.icon + PILL.gap : 0;
  const width = 2 * PILL.padding + iconRoom + shownWidth;
  return {
    width,
    draw: (x: number, middle: number) =>
      join([
        el("rect", { x, y: middle - PILL_HEIGHT / 2, width, height: PILL_HEIGHT, rx: 5, fill }),
        icon
          ? el("image", {
              href: icon,
              x: x + PILL.padding,
              y: middle - PILL.icon / 2,
              width: PILL.icon,
              height: PILL.icon,
            })
          : null,
        textAt(
          x + PILL.padding + iconRoom + shownWidth / 2,
          baselineBelow(middle, FONTS.tag.size),
          shown,
          FONTS.tag,
          ink,
          { "text-anchor": "middle" },
        ),
      ]),
  };
}

function badgesLine(user: LanternUser): Line | null {
  const badges = badgesFor(user.metadata.flags.human_readable);
  if (!badges.length) return null;
  return {
    height: 28,
    draw: (middle) =>
      join(
        badges.map((badge, i) => {
          const x = HEADER_TEXT.x + i * (BADGE_SIZE + BADGE_GAP);
          const y = middle - BADGE_SIZE / 2;
          return el(
            "g",
            { "data-flag": badge.flag },
            el("title", {}, text(badge.title)),
            el("rect", { x, y, width: BADGE_SIZE, height: BADGE_SIZE, rx: 5, fill: badge.colour }),
            drawGlyph(GLYPHS[badge.glyph], x, y, BADGE_SIZE, badge.colour),
          );
        }),
      ),
  };
}

/** The custom status (emoji and text) while online; "Last seen …" while offline. */
function statusLine(
  user: LanternUser,
  options: CardOptions,
  images: CardImages,
  palette: Palette,
  now: number,
): Line | null {
  const custom = customStatusOf(user);
  if (custom) {
    // A custom emoji is its image, or nothing if that failed; a unicode emoji is a character.
    const image = custom.emoji?.imageUrl ? images.emoji : null;
    const unicode = custom.emoji && !custom.emoji.imageUrl ? custom.emoji.name : "";
    const words = [unicode, custom.text].filter(Boolean).join(" ");
    if (!image && !words) return null;
    const textX = HEADER_TEXT.x + (image ? EMOJI_SIZE + 6 : 0);
    return {
      height: 22,
      draw: (middle) =>
        join([
          image
            ? el("image", {
                href: image,
                x: HEADER_TEXT.x,
                y: middle - EMOJI_SIZE / 2,
                width: EMOJI_SIZE,
                height: EMOJI_SIZE,
              })
            : null,
          words
            ? textAt(
                textX,
                baselineBelow(middle, FONTS.status.size),
                fitText(words, HEADER_TEXT.right - textX, FONTS.status),
                FONTS.status,
                palette.muted,
              )
            : null,
        ]),
    };
  }
  const seen = millis(user.last_seen_at);
  if (user.status !== "offline" || options.hideLastSeen || seen === null) return null;
  return {
    height: 22,
    draw: (middle) =>
      textAt(
        HEADER_TEXT.x,
        baselineBelow(middle, FONTS.status.size),
        lastSeen(seen, now),
        FONTS.status,
        palette.faint,
      ),
  };
}
