import type { ShapingOptions } from "../../schemas/user-state.ts";

/**
 * Image URLs, built the way Discord's clients build them, from the deployment's CDN bases so the
 * local stack can point them at the emulator. Shared by the Lantern and Lanyard payloads.
 */

/** Discord marks animated avatars, emojis and badges with an "a_" hash prefix; only they have a GIF. */
function extensionFor(hash: string): "gif" | "png" {
  return hash.startsWith("a_") ? "gif" : "png";
}

/** The uploaded avatar, or null when the user has none. */
export function avatarUrl(options: ShapingOptions, userId: string, hash: string | null): string | null {
  return hash ? `${options.cdnBase}/avatars/${userId}/${hash}.${extensionFor(hash)}` : null;
}

/**
 * The avatar Discord shows when there is none: one of six colours. Users on the new username
 * system (discriminator "0") get theirs from the id's timestamp bits, `(id >> 22) % 6`; legacy
 * users and bots from `discriminator % 5` (only five colours existed then).
 */
export function defaultAvatarUrl(options: ShapingOptions, userId: string, discriminator: string): string {
  let index = 0;
  if (discriminator === "0" || discriminator === "") {
    // BigInt because ids pass 2^53; the guard keeps a malformed id from throwing.
    if (/^\d+$/.test(userId)) index = Number((BigInt(userId) >> 22n) % 6n);
  } else {
    const legacy = Number(discriminator);
    if (Number.isInteger(legacy) && legacy >= 0) index = legacy % 5;
  }
  return `${options.cdnBase}/embed/avatars/${index}.png`;
}

/** What a profile card shows: the uploaded avatar, else the default one. */
export function displayAvatarUrl(
  options: ShapingOptions,
  userId: string,
  hash: string | null,
  discriminator: string,
): string {
  return avatarUrl(options, userId, hash) ?? defaultAvatarUrl(options, userId, discriminator);
}

/** A custom emoji's image; unicode emojis (no id) have none. */
export function emojiUrl(options: ShapingOptions, id: string | null, animated: boolean): string | null {
  return id ? `${options.cdnBase}/emojis/${id}.${animated ? "gif" : "png"}` : null;
}

/** The badge next to a server tag (Discord's `primary_guild.badge`). */
export function guildTagBadgeUrl(options: ShapingOptions, guildId: string, badge: string): string {
  return `${options.cdnBase}/guild-tag-badges/${guildId}/${badge}.png`;
}

// Asset ids come from whatever app set the activity, so each form is matched exactly before it
// goes into a URL: nothing else can smuggle a path or another host in.
const APP_ASSET = /^\d{1,20}$/;
const MEDIA_PROXY = /^mp:([\w\-./%~:?=&+]+)$/;
const SPOTIFY_IMAGE = /^spotify:([A-Za-z0-9]+)$/;

/**
 * An activity image (`assets.large_image` / `small_image`) as a URL:
 * - an uploaded asset is a numeric id under the application's app-assets;
 * - `mp:<path>` is an external image Discord proxies (`mp:external/…`, `mp:attachments/…`);
 * - `spotify:<id>` is Spotify album art.
 * Other prefixes (`twitch:`, `youtube:`) and anything malformed have no URL we can vouch for: null.
 */
export function activityAssetUrl(
  options: ShapingOptions,
  applicationId: string | null,
  asset: string | null,
): string | null {
  if (asset === null) return null;
  if (APP_ASSET.test(asset))
    return applicationId ? `${options.cdnBase}/app-assets/${applicationId}/${asset}.png` : null;
  const proxied = MEDIA_PROXY.exec(asset);
  if (proxied) return `${options.mediaProxyBase}/${proxied[1]}`;
  const spotify = SPOTIFY_IMAGE.exec(asset);
  if (spotify) return `${options.spotifyCdnBase}/image/${spotify[1]}`;
  return null;
}
