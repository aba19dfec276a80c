import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  EVENT_BATCH_LIMITS,
  EventBatch,
  EventBatchResult,
  type ForwardedEvent,
  QUEUE_LIMITS,
} from "../../schemas/gateway-events.ts";
import type { Env } from "../../settings/env.ts";
import { queueChunks } from "../queue-chunks.ts";
import { authenticate, IngestError, parseJson, signedHeaders } from "./ingest.ts";

/**
 * POST /ingest/events: the gateway runner's forwarded dispatches (FORWARD_EVENTS with the queue
 * sink), put on the GATEWAY_EVENTS queue for the deployment's own consumer Worker. The runner lets
 * its session checkpoint pass a batch's events only once this answers 2xx, so it answers 200 only
 * after every event is on the queue, and 503 (retried) when any sendBatch fails: a retry may queue
 * some events twice, which their ids let a consumer drop.
 */

export const EventTooLarge = IngestError.extend({
  event_id: z.string(),
  bytes: z.int().meta({ description: "The event's size as JSON, in UTF-8 bytes." }),
  max_bytes: z.int(),
}).meta({ id: "EventTooLarge", description: "An event larger than a queue message may be." });

const eventsPost = createRoute({
  method: "post",
  path: "/ingest/events",
  tags: ["Internal"],
  summary: "Put forwarded gateway events on the GATEWAY_EVENTS queue (gateway runner only)",
  request: {
    headers: signedHeaders,
    body: { content: { "application/json": { schema: EventBatch } }, required: true },
  },
  responses: {
    200: {
      description: "Every event of the batch is on the queue.",
      content: { "application/json": { schema: EventBatchResult } },
    },
    400: { description: "Malformed batch.", content: { "application/json": { schema: IngestError } } },
    401: {
      description: "Missing, stale or wrong signature.",
      content: { "application/json": { schema: IngestError } },
    },
    413: {
      description: `Body over ${EVENT_BATCH_LIMITS.maxBodyBytes} bytes, or an event over ${QUEUE_LIMITS.maxMessageBytes} bytes as JSON (a queue message cannot carry it).`,
      content: { "application/json": { schema: z.union([EventTooLarge, IngestError]) } },
    },
    503: {
      description: "No INGEST_SECRET or no GATEWAY_EVENTS queue, or the queue refused a send: retry.",
      content: { "application/json": { schema: IngestError } },
    },
  },
});

const encoder = new TextEncoder();

export function registerGatewayEvents(app: OpenAPIHono<{ Bindings: Env }>) {
  // Validated by hand, signature first, as every ingest route is; declared for the docs.
  app.openAPIRegistry.registerPath(eventsPost);

  app.post("/ingest/events", async (c) => {
    const auth = await authenticate(c, EVENT_BATCH_LIMITS.maxBodyBytes);
    if (auth instanceof Response) return auth;
    const parsed = parseJson(c, auth.body, EventBatch);
    if ("response" in parsed) return parsed.response;
    const batch = parsed.data as EventBatch;

    // Measured as the queue measures a JSON message: the UTF-8 bytes of its JSON text.
    const sized = batch.events.map((event) => ({
      event,
      bytes: encoder.encode(JSON.stringify(event)).byteLength,
    }));
    const tooLarge = sized.find(({ bytes }) => bytes > QUEUE_LIMITS.maxMessageBytes);
    if (tooLarge) {
      const { event, bytes } = tooLarge;
      return c.json(
        {
          error: `event ${event.id} is ${bytes} bytes as JSON, over a queue message's ${QUEUE_LIMITS.maxMessageBytes}`,
          event_id: event.id,
          bytes,
          max_bytes: QUEUE_LIMITS.maxMessageBytes,
        } satisfies z.output<typeof EventTooLarge>,
        413,
      );
    }

    const queue = c.env.GATEWAY_EVENTS;
    if (!queue) {
      // 503, not a 4xx the runner would drop: an operator adding the binding loses nothing.
      return c.json(
        { error: "the event queue is not configured: add a GATEWAY_EVENTS queue producer (wrangler.toml)" },
        503,
      );
    }
    const chunks = queueChunks(sized, ({ bytes }) => bytes);
    try {
      // One after another, so the queue receives them in the runner's order.
      for (const chunk of chunks) {
        await queue.sendBatch(
          chunk.map(({ event }) => ({ body: event satisfies ForwardedEvent, contentType: "json" as const })),
        );
      }
    } catch (error) {
      console.error("ingest/events: sending to the queue failed", batch.batch_id, error);
      return c.json({ error: "the queue refused the batch; retry it" }, 503);
    }
    return c.json({ batch_id: batch.batch_id, queued: batch.events.length } satisfies EventBatchResult);
  });
}
