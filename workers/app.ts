import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import type { Env } from "../settings/env.ts";
import { registerMessages } from "./messages/routes.ts";
import { documentProxy } from "./proxy/openapi.ts";
import { registerProxy } from "./proxy/routes.ts";
import { registerCardImages } from "./routes/card-images.ts";
import { registerDocs } from "./routes/docs.ts";
import { registerGatewayEvents } from "./routes/gateway-events.ts";
import { registerIngest } from "./routes/ingest.ts";
import { registerInteractions } from "./routes/interactions.ts";
import { registerLantern } from "./routes/lantern.ts";
import { registerLanternStorage } from "./routes/lantern-storage.ts";
import { registerLanyard } from "./routes/lanyard.ts";
import { registerLanyardKv } from "./routes/lanyard-kv.ts";
import { registerService } from "./routes/service.ts";
import { registerSocket } from "./routes/socket.ts";

export function createApp() {
  const app = new OpenAPIHono<{ Bindings: Env }>();

  // Before the middleware: a 101 response carries the socket and its headers are not ours to add to.
  registerSocket(app);
  // Also before: proxied answers are Discord's, and neither CORS nor an ETag of ours belongs on them.
  registerProxy(app);
  // And the runner's signed routes: the runner is no browser, and CORS's headers and an ETag's hash
  // of every batch's answer were CPU on each presence batch (BENCHMARKS.md, Profile).
  registerIngest(app);
  registerGatewayEvents(app);
  registerCardImages(app);

  // Presence is public: any site may read it from the browser.
  app.use(
    "*",
    cors({ origin: "*", allowMethods: ["GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"], maxAge: 86_400 }),
  );
  // Reads carry their version as a weak ETag; this answers If-None-Match with 304.
  app.use("*", etag());

  registerService(app);
  registerLantern(app);
  registerLanternStorage(app);
  registerLanyard(app);
  registerLanyardKv(app);
  registerMessages(app);
  registerInteractions(app);
  documentProxy(app);
  registerDocs(app);

  // Every miss and every failure is JSON, so API clients never have to parse an HTML error page.
  app.notFound((c) => c.json({ error: "Resource not found." }, 404));
  app.onError((error, c) => {
    console.error("unhandled", c.req.method, c.req.path, error);
    // Settings readers (env.ts, socket limits) throw RangeError naming the setting: an operator
    // reading a 500 should learn which one, and no setting they name is a secret.
    if (error instanceof RangeError)
      return c.json({ error: `Porchlight is misconfigured: ${error.message}` }, 500);
    return c.json({ error: "Internal error." }, 500);
  });
  return app;
}
