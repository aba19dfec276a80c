import type { LanternUser } from "../../schemas/lantern.ts";
import { renderActivity } from "./activity-section.ts";
import { frame } from "./frame.ts";
import { renderHeader } from "./header.ts";
import type { CardImages } from "./images.ts";
import { CARD_WIDTH, cardHeight } from "./layout.ts";
import type { CardOptions } from "./options.ts";
import { cleanText } from "./text.ts";
import { palette } from "./theme.ts";

/**
 * The profile card as an SVG document: a pure function of the user, the options, the images
 * already inlined as data URIs, and the time it is drawn at (for elapsed times and the listening
 * position). It loads nothing: every picture is a data URI or a vector drawn inline, and only
 * SVG's own elements are used (no <foreignObject>, which browsers draw unevenly inside an <img>).
 */
export function renderCard(user: LanternUser, options: CardOptions, images: CardImages, now: number): string {
  const colours = palette(options);
  const header = renderHeader(user, options, images, colours, now);
  const activity = options.hideActivity ? null : renderActivity(user, options, images, colours, now);
  const name = cleanText(user.metadata.global_name || user.metadata.username, 64);
  return frame(
    {
      width: CARD_WIDTH,
      height: cardHeight(options),
      radius: options.borderRadius,
      palette: colours,
      title: `${name} on Discord: ${user.status}`,
      defs: [...header.defs, ...(activity?.defs ?? [])],
    },
    [header.body, activity?.body ?? null],
  );
}
