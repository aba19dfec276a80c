import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Interaction } from "../../schemas/interactions.ts";
import { Snowflake } from "../../schemas/snowflake.ts";
import type { Env } from "../../settings/env.ts";
import { BODY_LIMITS, readBody } from "../body.ts";
import { perform } from "../bot/handlers.ts";
import { interactionIdShard, rememberUntil } from "../bot/replay.ts";
import { pong } from "../bot/replies.ts";
import { routeInteraction } from "../bot/router.ts";
import { isPublicKey, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyInteraction } from "../bot/signature.ts";

/**
 * POST /interactions: the bot. Discord calls it for every slash command and button press, signed
 * with the application's key; the answer is the interaction's response, given at once (every
 * command finishes well inside Discord's 3 s). The commands are in workers/bot/.
 */

type Ctx = Context<{ Bindings: Env }>;

export const MAX_INTERACTION_BODY_BYTES = BODY_LIMITS.interaction;

const InteractionError = z
  .object({ error: z.string(), reason: z.string().optional() })
  .meta({ id: "InteractionError", description: "Why an interaction request was refused." });
const refusal = (description: string) => ({
  description,
  content: { "application/json": { schema: InteractionError } },
});

const route = createRoute({
  method: "post",
  path: "/interactions",
  tags: ["Bot"],
  summary: "Discord's interactions endpoint (Discord only: requests are signed by Discord)",
  request: {
    headers: z.object({
      [SIGNATURE_HEADER]: z
        .string()
        .meta({ description: "Hex Ed25519 signature of the timestamp and the body." }),
      [TIMESTAMP_HEADER]: z.string().meta({ description: "Unix seconds when Discord signed the request." }),
    }),
    body: { content: { "application/json": { schema: z.record(z.string(), z.unknown()) } }, required: true },
  },
  responses: {
    200: {
      description:
        "The interaction response: PONG for a PING, else an ephemeral message or a message update.",
      content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
    },
    400: refusal("Signed, but not an interaction this bot handles."),
    401: refusal("Missing, malformed, stale or wrong signature, or an interaction already received."),
    413: refusal("Body too large."),
    503: refusal("DISCORD_PUBLIC_KEY is not configured."),
  },
});

const notConfigured = (c: Ctx, problem: string) =>
  c.json({ error: `interactions are not configured: DISCORD_PUBLIC_KEY ${problem}` }, 503);

/** Discord gives every interaction an id; replay protection keys on it. */
const SignedInteraction = Interaction.extend({ id: Snowflake.optional() });
type SignedInteraction = z.output<typeof SignedInteraction>;

function parse(body: string): SignedInteraction | null {
  try {
    const parsed = SignedInteraction.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Whether this is the first delivery of the interaction inside its signature window. */
async function claimOnce(env: Env, id: string, timestampSeconds: number): Promise<boolean> {
  const shard = env.INTERACTION_IDS.getByName(await interactionIdShard(id));
  return shard.claim(id, rememberUntil(timestampSeconds));
}

export function registerInteractions(app: OpenAPIHono<{ Bindings: Env }>) {
  // Validated by hand, signature before anything else reads the body, so declared for the docs only.
  app.openAPIRegistry.registerPath(route);

  app.post("/interactions", async (c) => {
    const publicKey = c.env.DISCORD_PUBLIC_KEY?.trim();
    if (!publicKey) return notConfigured(c, "is not set (the application's public key)");
    if (!isPublicKey(publicKey))
      return notConfigured(c, "must be the application's public key, 64 hex digits");
    const body = await readBody(c, MAX_INTERACTION_BODY_BYTES);
    if (body === null) return c.json({ error: `body exceeds ${MAX_INTERACTION_BODY_BYTES} bytes` }, 413);
    const verdict = await verifyInteraction(
      publicKey,
      { signature: c.req.header(SIGNATURE_HEADER), timestamp: c.req.header(TIMESTAMP_HEADER) },
      body,
    );
    if (!verdict.ok) return c.json({ error: "invalid request signature", reason: verdict.reason }, 401);

    const interaction = parse(body);
    if (!interaction) return c.json({ error: "the body is not an interaction" }, 400);
    const routed = routeInteraction(interaction);
    if (routed.kind === "refuse") return c.json({ error: routed.reason }, 400);
    if (!interaction.id) return c.json({ error: "the interaction has no id" }, 400);
    // Only now, signed and about to act: an unsigned request must never reach (and create) storage.
    const timestamp = Number(c.req.header(TIMESTAMP_HEADER));
    if (!(await claimOnce(c.env, interaction.id, timestamp)))
      return c.json({ error: "interaction already received", reason: "replayed" }, 401);
    if (routed.kind === "pong") return c.json(pong());
    return c.json(await perform(c, routed.userId, routed.action));
  });
}
