import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { type Env, socketConfigOf, socketHubCount } from "../../settings/env.ts";
import { jsonAnswer } from "../docs/route-examples.ts";

/**
 * GET /socket: the live stream, in Lantern's and Lanyard's dialects (durable-objects/socket-hub/).
 * The Worker only picks a hub and hands the upgrade over; the hub accepts the socket with the
 * hibernation API. Which users a socket wants is known only after its INIT, so hubs are chosen at
 * random: load spreads evenly, and each hub registers with the users' objects for its own sockets.
 */

const SocketError = z.object({ error: z.string() }).meta({ id: "SocketError" });

const NOT_AN_UPGRADE = { error: "This is a WebSocket endpoint: connect with a WebSocket client." };

const route = createRoute({
  method: "get",
  path: "/socket",
  tags: ["Socket"],
  summary: "Live presence over WebSocket (Lantern and Lanyard protocols)",
  description:
    "Upgrade to a WebSocket. The server sends HELLO (op 1, heartbeat_interval); the first INIT (op 2) picks the dialect: " +
    "`user_id`/`user_ids` for Lantern (ops 1–15), `subscribe_to_id`/`subscribe_to_ids`/`subscribe_to_all` for Lanyard. " +
    "`?compression=zlib_json` deflates every frame (Lanyard). Frames and close codes: README, 'The socket'.",
  request: {
    query: z.object({ compression: z.enum(["zlib_json"]).optional() }),
  },
  responses: {
    101: { description: "Switching protocols: the socket is open." },
    426: jsonAnswer(SocketError, "Not a WebSocket upgrade.", NOT_AN_UPGRADE),
    500: jsonAnswer(SocketError, "The deployment's socket settings are invalid.", {
      error: "SOCKET_HUBS must be an integer from 1 to 256, not 0",
    }),
  },
});

/** Hubs are named hub-0 … hub-(SOCKET_HUBS − 1). */
export const hubName = (n: number) => `hub-${n}`;

export function registerSocket(app: OpenAPIHono<{ Bindings: Env }>) {
  app.openAPIRegistry.registerPath(route);
  app.get("/socket", (c) => {
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      return c.json(NOT_AN_UPGRADE, 426, {
        Upgrade: "websocket",
      });
    }
    let hubs: number;
    try {
      hubs = socketHubCount(c.env);
      // The hub reads the same settings; checking here turns a bad one into a clear 500.
      socketConfigOf(c.env);
    } catch (error) {
      return c.json({ error: (error as Error).message }, 500);
    }
    const [n] = crypto.getRandomValues(new Uint32Array(1));
    return c.env.SOCKET_HUB.getByName(hubName(n! % hubs)).fetch(c.req.raw);
  });
}
