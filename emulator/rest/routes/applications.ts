import { BUCKETS } from "../buckets.ts";
import type { DefineRoute, RestDeps } from "../routing.ts";

/**
 * GET /applications/@me: the bot token's application, as Discord describes it (the fields a client
 * reads: a command registrar its id, an interactions server its verify_key).
 */
export function applicationRoutes(route: DefineRoute, { world }: RestDeps): void {
  route("GET", "/applications/@me", BUCKETS.application, (c) => {
    const app = world.application;
    return c.json({
      id: app.id,
      name: app.name,
      icon: null,
      description: "",
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: app.publicKey,
      flags: app.flags,
      bot: app.bot,
      interactions_endpoint_url: app.interactionsEndpointUrl,
    });
  });
}
