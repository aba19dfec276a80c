import { Hono } from "hono";

// CONTRACT (placeholder to be replaced by the CDN implementation).

/** Routes mounted at the root: /avatars, /embed/avatars, /app-assets, /image (album art). */
export function cdnRoutes(): Hono {
  return new Hono();
}
