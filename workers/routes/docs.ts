import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "../../settings/env.ts";
import { documentFor, OPERATOR_TAG } from "../docs/audiences.ts";
import type { Document } from "../docs/openapi-types.ts";
import { renderReference } from "../docs/page.ts";

/**
 * The API reference. /openapi.json is the public OpenAPI document, generated from the routes' zod
 * schemas with internal routes left out (workers/docs/audiences.ts); /docs is that same document
 * rendered on the server as one HTML page, every body's fields expanded and its examples shown.
 * Swagger UI or Scalar would add over a megabyte of script to the Worker, or load it from a CDN,
 * which a self-hosted deployment, an offline demo and the tests must not depend on.
 * /openapi.internal.json describes the rest (ingest and the runner's routes, the interactions
 * endpoint): the contract for whoever writes another gateway runner. It is not linked from /docs.
 */

const TITLE = "Porchlight";
const VERSION = "1";

const PUBLIC_INFO = {
  title: TITLE,
  version: VERSION,
  description:
    "Live Discord presence at the edge. Lantern-compatible routes live under /api/v1, Lanyard-compatible ones under /v1. " +
    "Reads are public and answer any origin (CORS); errors are always JSON.",
};

const INTERNAL_INFO = {
  title: `${TITLE} (internal)`,
  version: VERSION,
  description:
    "Routes only Porchlight's own parts and Discord call, every request signed: the gateway runner's (HMAC with INGEST_SECRET) and Discord's interactions (Ed25519). Not part of the public API.",
};

/** Sections of the reference, in this order, and what each is. */
const TAGS = [
  { name: "Service", description: "What this deployment is, and whether it runs." },
  {
    name: "Lantern",
    description:
      "Presence in Lantern's format, and with `svg=1` the profile card. Public; served from the edge cache for `CACHE_TTL_SECONDS` with a weak ETag (If-None-Match answers 304).",
  },
  {
    name: "Lantern storage",
    description:
      "A user's key-value pairs on Lantern's routes. Reads are public; writes take the user's write token (the bot's `/storage token create`) in Authorization.",
  },
  {
    name: "Lanyard",
    description: "Presence in Lanyard's envelope: a Lanyard client works by changing only its hostname.",
  },
  {
    name: "Lanyard key-value",
    description: "Lanyard's key-value writes, with the same write token; `@me` stands for the token's user.",
  },
  {
    name: "Socket",
    description:
      "The live stream, in Lantern's and Lanyard's protocols. Frames, limits and close codes: the README, 'The socket'.",
  },
  {
    name: "Messages",
    description:
      "The bot's messages, a guild's channels and members, with a proxy key (`Authorization: Bot <key>`). Every input is checked against Discord's limits before anything is sent.",
  },
  {
    name: "REST proxy",
    description:
      "Discord's REST API within the bot's rate limits: @discordjs/rest pointed at /proxy works as it is.",
  },
  {
    name: OPERATOR_TAG,
    description:
      "For the deployment's operator only: these take an admin key (`PROXY_ADMIN_KEYS`) as `Authorization: Bearer <key>`. API clients never need them.",
  },
  { name: "Internal", description: "The gateway runner's routes, signed with INGEST_SECRET." },
  { name: "Bot", description: "Discord's interactions endpoint, signed by Discord." },
];

/** The documents are the same for every request: built at the first one, once all routes exist. */
function documentsOf(app: OpenAPIHono<{ Bindings: Env }>) {
  let documents: { public: Document; internal: Document; page: string } | undefined;
  return async () => {
    if (documents) return documents;
    const full = app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: PUBLIC_INFO,
      tags: TAGS,
    }) as Document;
    const open = documentFor(full, ["public", "operator"], PUBLIC_INFO);
    const internal = documentFor(full, ["internal"], INTERNAL_INFO);
    const page = String(await renderReference(open, { json: "/openapi.json" }));
    documents = { public: open, internal, page };
    return documents;
  };
}

// The page loads nothing, and the browser is told so: a mistake that linked an outside script,
// style or image would be refused, not fetched.
const PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

export function registerDocs(app: OpenAPIHono<{ Bindings: Env }>) {
  const documents = documentsOf(app);
  app.get("/openapi.json", async (c) => c.json((await documents()).public));
  app.get("/openapi.internal.json", async (c) => c.json((await documents()).internal));
  app.get("/docs", async (c) =>
    c.html((await documents()).page, 200, { "Content-Security-Policy": PAGE_POLICY }),
  );
}
