import { createHash } from "node:crypto";
import { type Context, Hono } from "hono";
import { isSnowflake } from "../snowflake.ts";
import { CONTENT_TYPES, type ImageFormat, type ImageSpec, renderImage } from "./render.ts";
import {
  albumArtSpec,
  appAssetSpec,
  avatarSpec,
  CdnError,
  defaultAvatarSpec,
  parseSize,
} from "./requests.ts";

/**
 * Stand-ins for cdn.discordapp.com and Spotify's i.scdn.co, mounted at the emulator's root.
 * Every image is drawn on request from its path, so any well-formed hash has a picture (Discord's
 * CDN would 404 a hash that was never uploaded). Errors are plain text, as a CDN answers.
 */

// Content-addressed images never change, so caches may keep them: a year, and no revalidation.
const CACHE_CONTROL = "public, max-age=31536000, immutable";

/** Routes mounted at the root: /avatars, /embed/avatars, /app-assets, /emojis, /image (album art). */
export function cdnRoutes(): Hono {
  const app = new Hono();
  app.get("/avatars/:user_id/:file", (c) =>
    serve(c, () => avatarSpec(c.req.param("user_id"), c.req.param("file"), c.req.query())),
  );
  app.get("/embed/avatars/:file", (c) => serve(c, () => defaultAvatarSpec(c.req.param("file"))));
  app.get("/app-assets/:application_id/:file", (c) =>
    serve(c, () => appAssetSpec(c.req.param("application_id"), c.req.param("file"), c.req.query())),
  );
  app.get("/emojis/:file", (c) => serve(c, () => emojiSpec(c.req.param("file"), c.req.query())));
  app.get("/image/:id", (c) => serve(c, () => albumArtSpec(c.req.param("id"))));
  return app;
}

const EMOJI_FILE = /^(\d+)\.(png|gif|webp|jpg|jpeg)$/;

/**
 * /emojis/:emoji_id.(png|gif|webp|jpg): a custom emoji, as a custom status shows it (the profile
 * card inlines it). Discord serves any emoji in every format; a .gif has two frames here, since
 * the emulator cannot know which ids are animated.
 */
function emojiSpec(file: string, query: Record<string, string | undefined>): ImageSpec {
  const match = EMOJI_FILE.exec(file);
  if (!match || !isSnowflake(match[1])) throw new CdnError(404, "404: Not Found");
  const format: ImageFormat = match[2] === "jpg" ? "jpeg" : (match[2] as ImageFormat);
  return { key: `emojis/${match[1]}`, size: parseSize(query.size), format, animated: format === "gif" };
}

function serve(c: Context, resolve: () => ImageSpec): Response {
  let spec: ImageSpec;
  try {
    spec = resolve();
  } catch (error) {
    if (error instanceof CdnError) return c.text(error.message, error.status);
    throw error;
  }
  const body = renderImage(spec);
  const etag = `"${createHash("sha1").update(body).digest("hex")}"`;
  const caching = { "cache-control": CACHE_CONTROL, etag };
  if (matchesEtag(c.req.header("if-none-match"), etag)) return c.body(null, 304, caching);
  return c.body(body, 200, {
    ...caching,
    "content-type": CONTENT_TYPES[spec.format],
    "content-length": String(body.length),
  });
}

/** If-None-Match holds "*" or a list of tags, each possibly weak (W/"…"). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === etag;
  });
}
