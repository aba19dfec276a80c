import { z } from "zod";

/**
 * The query of GET /api/v1/users/:id?svg=1, the profile card (workers/cards/). Lantern's
 * parameters keep Lantern's names and meaning (shared/reference §5, "SVG card"), with its bugs
 * fixed: borderRadius=0 is honoured (its bug 15), true/false are accepted besides 0/1. The rest
 * are what lanyard-profile-readme's users know (§7): hideSpotify, hideTimestamp and bg.
 *
 * Every parameter is validated: a bad one is a 400 naming it (as an SVG error card when the
 * request asks for a card), never a silently ignored value or a CSS injection.
 */

export const NO_ACTIVITY_TITLE_MAX = 64;
export const NO_ACTIVITY_MESSAGE_MAX = 256;
/** Pixels per rem, as browsers default to: Lantern's borderRadius is in rem. */
export const PX_PER_REM = 16;
/** Larger radii are refused; the card clamps any radius to half its height anyway. */
export const MAX_BORDER_RADIUS_PX = 128;

const TOGGLE_ERROR = "must be 0, 1, true or false";

/** 0/1 as Lantern documents, true/false as lanyard-profile-readme's users write. */
const Toggle = z
  .enum(["0", "1", "true", "false"], { error: TOGGLE_ERROR })
  .transform((value) => value === "1" || value === "true");

function toggle(description: string) {
  return Toggle.optional().meta({ description: `${description} 0 or 1 (true or false); default 0.` });
}

/** A length in characters as a person counts them (code points), not UTF-16 units. */
function maxCharacters(max: number) {
  return z
    .string()
    .refine((value) => [...value].length <= max, { error: `must be at most ${max} characters` });
}

const BORDER_RADIUS = /^(\d{1,3}(?:\.\d{1,3})?)(px|rem)?$/;

/** "2" or "2rem" (rem, Lantern's unit) or "12px", as a number of pixels. */
const BorderRadius = z
  .string()
  .regex(BORDER_RADIUS, { error: 'must be a number of rem ("1", "0.5rem") or of pixels ("12px")' })
  .transform((value) => {
    const [, amount, unit] = BORDER_RADIUS.exec(value)!;
    return unit === "px" ? Number(amount) : Number(amount) * PX_PER_REM;
  })
  .refine((px) => px <= MAX_BORDER_RADIUS_PX, {
    error: `must be at most ${MAX_BORDER_RADIUS_PX}px (${MAX_BORDER_RADIUS_PX / PX_PER_REM}rem)`,
  });

const HEX_COLOUR = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** "1e1f22", "#1e1f22" or "123", as "#rrggbb" in lower case. */
const Colour = z
  .string()
  .regex(HEX_COLOUR, { error: 'must be a hex colour: "1e1f22", "#1e1f22" or "123"' })
  .transform((value) => {
    const hex = HEX_COLOUR.exec(value)![1]!.toLowerCase();
    const full = hex.length === 3 ? [...hex].map((digit) => digit + digit).join("") : hex;
    return `#${full}`;
  });

export const CardQuery = z.object({
  svg: toggle("Answer with the SVG profile card instead of JSON. Every parameter below needs it."),
  theme: z.enum(["dark", "light"], { error: 'must be "dark" or "light"' }).optional().meta({
    description:
      'Card colours: "dark" or "light". Default dark, or the one that reads on `bg` when only `bg` is given.',
  }),
  borderRadius: BorderRadius.optional().meta({
    description: `Corner radius: rem as in Lantern ("2", "0.5rem") or pixels ("12px"); 0 gives square corners. Default 1rem (16px), at most ${MAX_BORDER_RADIUS_PX}px.`,
    example: "1",
  }),
  bg: Colour.optional().meta({
    description: 'Background colour instead of the theme\'s: hex, "1e1f22" or "#1e1f22" (URL-encode the #).',
    example: "1e1f22",
  }),
  hideGlobalName: toggle("Show the username as the name, without the display name."),
  hideStatus: toggle("Hide the status dot on the avatar."),
  hideBadges: toggle("Hide the profile badges."),
  hideActivity: toggle("Hide the activity section; the card is then shorter (560×128)."),
  hideLastSeen: toggle('Hide "Last seen …" on an offline user.'),
  hideServerTag: toggle("Hide the server tag next to the username."),
  hideSpotify: toggle("Skip Spotify: show the next activity instead."),
  hideTimestamp: toggle("Hide elapsed time and the Spotify progress bar."),
  noActivityTitle: maxCharacters(NO_ACTIVITY_TITLE_MAX)
    .optional()
    .meta({
      description: `Title when the user has no activity, at most ${NO_ACTIVITY_TITLE_MAX} characters. Default "No activity".`,
    }),
  noActivityMessage: maxCharacters(NO_ACTIVITY_MESSAGE_MAX)
    .optional()
    .meta({
      description: `Message when the user has no activity, at most ${NO_ACTIVITY_MESSAGE_MAX} characters. Default "Not doing anything right now."`,
    }),
});
export type CardQuery = z.output<typeof CardQuery>;
