import type { LanternUser } from "../../schemas/lantern.ts";
import type { ShapingOptions } from "../../schemas/user-state.ts";
import { chooseActivity, customStatusOf } from "./activity.ts";
import type { CardOptions } from "./options.ts";

/**
 * Which images a card needs, as the URLs to fetch: each at the size the card draws it (about
 * twice its on-card size, for high-density screens), which keeps the card small enough for
 * GitHub's image proxy. The renderer gets them back inlined, slot by slot.
 */

export interface CardImageSlots<T> {
  avatar: T;
  activityLarge: T;
  activitySmall: T;
  emoji: T;
  serverTag: T;
}

export type CardImageUrls = CardImageSlots<string | null>;
/** Data URIs; null where there is no image or it could not be had. */
export type CardImages = CardImageSlots<string | null>;

export const NO_IMAGES: CardImages = {
  avatar: null,
  activityLarge: null,
  activitySmall: null,
  emoji: null,
  serverTag: null,
};

/** Pixels fetched per slot; Discord's CDN takes powers of two. */
const FETCH_SIZES = { avatar: 128, activityLarge: 128, activitySmall: 64, emoji: 64, serverTag: 32 } as const;

// Spotify's image ids name one fixed size each by their prefix: 640 px (what Discord sends),
// 300 px and 64 px. The card draws album art at 80 px, so 300 px is plenty at 2× and a third the bytes.
const SPOTIFY_640 = "ab67616d0000b273";
const SPOTIFY_300 = "ab67616d00001e02";

export function cardImageUrls(
  user: LanternUser,
  options: CardOptions,
  shaping: ShapingOptions,
): CardImageUrls {
  const activity = options.hideActivity ? null : chooseActivity(user, options);
  const status = customStatusOf(user);
  const sized = (url: string | null | undefined, slot: keyof typeof FETCH_SIZES) =>
    url ? sizedImageUrl(url, shaping, FETCH_SIZES[slot]) : null;
  return {
    avatar: sized(user.metadata.display_avatar_url, "avatar"),
    activityLarge: sized(activity?.largeImage, "activityLarge"),
    activitySmall: sized(activity?.smallImage, "activitySmall"),
    emoji: sized(status?.emoji?.imageUrl, "emoji"),
    serverTag: options.hideServerTag ? null : sized(user.server_tag?.icon_url, "serverTag"),
  };
}

/**
 * The URL for an image `px` wide. Discord's CDN takes ?size=; an animated avatar is asked for as
 * its still PNG (a GIF is many times the bytes, and the card is a still picture); Spotify art by
 * the id of its 300 px version. Other URLs (the media proxy's) are left as they are.
 */
export function sizedImageUrl(url: string, shaping: ShapingOptions, px: number): string {
  if (url.startsWith(`${shaping.spotifyCdnBase}/image/${SPOTIFY_640}`))
    return url.replace(`/image/${SPOTIFY_640}`, `/image/${SPOTIFY_300}`);
  if (!url.startsWith(`${shaping.cdnBase}/`)) return url;
  const parsed = new URL(url);
  const path = parsed.pathname.slice(new URL(shaping.cdnBase).pathname.replace(/\/$/, "").length);
  // Default avatars come in one size and ignore ?size=.
  if (path.startsWith("/embed/")) return url;
  if (path.startsWith("/avatars/")) parsed.pathname = parsed.pathname.replace(/\.gif$/, ".png");
  parsed.searchParams.set("size", String(px));
  return parsed.toString();
}

/** Only images on the deployment's own CDN bases are fetched: a payload cannot point the Worker elsewhere. */
export function isAllowedImageUrl(url: string, shaping: ShapingOptions): boolean {
  return [shaping.cdnBase, shaping.spotifyCdnBase, shaping.mediaProxyBase].some((base) =>
    url.startsWith(`${base}/`),
  );
}
