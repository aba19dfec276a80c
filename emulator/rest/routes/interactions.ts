import type { Context } from "hono";
import type { StoredInteraction } from "../../interaction-store.ts";
import { BUCKETS } from "../buckets.ts";
import { RestErrors } from "../errors.ts";
import { isObject } from "../form.ts";
import {
  acknowledge,
  callbackResponse,
  deleteInteractionMessage,
  editInteractionMessage,
  followUp,
  interactionMessage,
  parseInitialResponse,
} from "../interaction-responses.ts";
import { attachmentsFor, readMessageBody } from "../message-body.ts";
import { applyMessageEdit, parseMessageCreate, parseMessageEdit } from "../messages.ts";
import type { DefineRoute, RestDeps } from "../routing.ts";

/**
 * The routes an interaction's token opens, with no bot token needed: the initial response
 * (callback) and the interaction's webhook (follow-ups, @original). Tokens are those of
 * interactions the emulator delivered, for 15 minutes.
 */
export function interactionRoutes(route: DefineRoute, { world, urls }: RestDeps): void {
  route(
    "POST",
    "/interactions/:interaction_id/:interaction_token/callback",
    BUCKETS.interactionCallback,
    async (c) => {
      const stored = world.interactions.byIdAndToken(
        c.req.param("interaction_id")!,
        c.req.param("interaction_token")!,
      );
      if (!stored) throw RestErrors.unknownInteraction();
      if (stored.responseType !== null) throw RestErrors.alreadyAcknowledged();
      const body = await readMessageBody(c);
      const attachments = stored.channelId ? attachmentsFor(body, stored.channelId, world.ids, urls.cdn) : [];
      acknowledge(world, stored, parseInitialResponse(body.json, attachments));
      if (c.req.query("with_response") === "true") return c.json(callbackResponse(stored));
      return c.body(null, 204);
    },
  );

  const webhook = "/webhooks/:application_id/:interaction_token";

  /** The interaction whose webhook the path names; 10015 for an unknown or expired token. */
  const interactionOf = (c: Context): StoredInteraction => {
    const stored = world.interactions.byToken(c.req.param("interaction_token")!);
    if (!stored || stored.applicationId !== c.req.param("application_id")) throw RestErrors.unknownWebhook();
    return stored;
  };

  // A follow-up; Discord always answers with the message (`wait` is implied).
  route("POST", webhook, BUCKETS.webhook, async (c) => {
    const stored = interactionOf(c);
    const body = await readMessageBody(c);
    const message = parseMessageCreate(body.json, { attachments: body.files.length });
    const attachments = stored.channelId ? attachmentsFor(body, stored.channelId, world.ids, urls.cdn) : [];
    return c.json(followUp(world, stored, message, attachments));
  });

  const message = `${webhook}/messages/:message_id`;
  route("GET", message, BUCKETS.webhook, (c) =>
    c.json(interactionMessage(world, interactionOf(c), c.req.param("message_id")!)),
  );

  route("PATCH", message, BUCKETS.webhook, async (c) => {
    const stored = interactionOf(c);
    const messageId = c.req.param("message_id")!;
    const target = interactionMessage(world, stored, messageId);
    const body = await readMessageBody(c);
    const edit = parseMessageEdit(body.json);
    const added = attachmentsFor(body, target.channel_id, world.ids, urls.cdn);
    const keep = isObject(body.json) ? body.json.attachments : undefined;
    return c.json(
      editInteractionMessage(world, stored, messageId, (m) => applyMessageEdit(m, edit, added, keep)),
    );
  });

  route("DELETE", message, BUCKETS.webhook, (c) => {
    deleteInteractionMessage(world, interactionOf(c), c.req.param("message_id")!);
    return c.body(null, 204);
  });
}
