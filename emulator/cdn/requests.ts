import { isSnowflake } from "../snowflake.ts";
import type { PatternColours } from "./pattern.ts";
import type { ImageFormat, ImageSpec } from "./render.ts";

/**
 * What each CDN path means, as pure functions from path parameters and query to an ImageSpec, or
 * a CdnError carrying the status Discord's CDN answers with. Formats per route follow Discord's
 * image-formatting table (developers/reference, "CDN Endpoints").
 */

export class CdnError extends Error {
  readonly status: 400 | 404 | 415;
  constructor(status: 400 | 404 | 415, message: string) {
    super(message);
    this.status = status;
  }
}

/** Served when no ?size= is given (Discord's CDN also answers 128 px for most images). */
export const DEFAULT_SIZE = 128;
/** Larger requests are accepted but served at this size: the emulator draws, it does not resample. */
export const MAX_SERVED_SIZE = 128;
/** Album art is always this size; i.scdn.co ids name one fixed size each (64 px is its smallest). */
export const ALBUM_ART_SIZE = 64;

const MIN_SIZE = 16;
const MAX_SIZE = 4096;
const AVATAR_HASH = /^(a_)?[0-9a-f]{32}$/;
const SPOTIFY_IMAGE_ID = /^[0-9a-f]{40}$/;
const EXTENSIONS = new Map<string, ImageFormat>([
  ["png", "png"],
  ["jpg", "jpeg"],
  ["jpeg", "jpeg"],
  ["webp", "webp"],
  ["gif", "gif"],
]);

/** Discord's six default avatar colours (blurple, grey, green, yellow, red, pink) behind white. */
const DEFAULT_AVATAR_COLOURS: readonly PatternColours[] = [
  [88, 101, 242],
  [117, 126, 138],
  [59, 165, 92],
  [250, 166, 26],
  [237, 66, 69],
  [235, 69, 159],
].map(([r, g, b]) => ({ background: [r!, g!, b!], foreground: [255, 255, 255] }));

const ALL_FORMATS: readonly ImageFormat[] = ["png", "jpeg", "webp", "gif"];
const STILL_FORMATS: readonly ImageFormat[] = ["png", "jpeg", "webp"];

type Query = Record<string, string | undefined>;

/** /avatars/:user_id/:hash.(png|jpg|jpeg|webp|gif) */
export function avatarSpec(userId: string, file: string, query: Query): ImageSpec {
  const { name: hash, format } = splitFile(file, ALL_FORMATS);
  if (!isSnowflake(userId) || !AVATAR_HASH.test(hash)) throw notFound();
  const animated = hash.startsWith("a_");
  if (format === "gif" && !animated)
    throw new CdnError(415, `avatar ${hash} is not animated: only hashes starting "a_" have a .gif`);
  return { key: `avatars/${userId}/${hash}`, size: parseSize(query.size), format, animated };
}

/** /embed/avatars/:index.png, index 0 to 5; the size parameter is ignored, as on Discord. */
export function defaultAvatarSpec(file: string): ImageSpec {
  const { name, format } = splitFile(file, ["png"]);
  const colours = /^\d$/.test(name) ? DEFAULT_AVATAR_COLOURS[Number(name)] : undefined;
  if (!colours) throw notFound();
  return { key: `embed/avatars/${name}`, size: DEFAULT_SIZE, format, animated: false, colours };
}

/** /app-assets/:application_id/:asset_id.(png|jpg|jpeg|webp): activity images. */
export function appAssetSpec(applicationId: string, file: string, query: Query): ImageSpec {
  const { name: assetId, format } = splitFile(file, STILL_FORMATS);
  if (!isSnowflake(applicationId) || !isSnowflake(assetId)) throw notFound();
  return {
    key: `app-assets/${applicationId}/${assetId}`,
    size: parseSize(query.size),
    format,
    animated: false,
  };
}

/** i.scdn.co's /image/:id: album art, always JPEG, as Spotify serves it. */
export function albumArtSpec(id: string): ImageSpec {
  if (!SPOTIFY_IMAGE_ID.test(id)) throw notFound();
  return { key: `image/${id}`, size: ALBUM_ART_SIZE, format: "jpeg", animated: false };
}

/** ?size= must be a power of two from 16 to 4096; anything else is a 400, as on Discord. */
export function parseSize(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_SIZE;
  const size = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(size >= MIN_SIZE && size <= MAX_SIZE && (size & (size - 1)) === 0))
    throw new CdnError(
      400,
      `size must be a power of two from ${MIN_SIZE} to ${MAX_SIZE}, got ${JSON.stringify(raw)}`,
    );
  return Math.min(size, MAX_SERVED_SIZE);
}

/** "name.ext": an unknown extension is a 404, a known image format the route lacks a 415. */
function splitFile(file: string, served: readonly ImageFormat[]): { name: string; format: ImageFormat } {
  const dot = file.lastIndexOf(".");
  const format = dot > 0 ? EXTENSIONS.get(file.slice(dot + 1)) : undefined;
  if (!format) throw notFound();
  if (!served.includes(format))
    throw new CdnError(
      415,
      `.${file.slice(dot + 1)} is not served here; try ${served.map((f) => `.${f}`).join(", ")}`,
    );
  return { name: file.slice(0, dot), format };
}

function notFound(): CdnError {
  return new CdnError(404, "404: Not Found");
}
