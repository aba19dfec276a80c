import type { Dialect } from "./presence.ts";

/**
 * The client's half of /socket's protocol (schemas/socket.ts; the server's rules are in
 * durable-objects/socket-hub/protocol.ts): the frames a client sends in each dialect, and which
 * close codes mean that coming back would only be refused again. Pure, no I/O.
 */

/** Who a subscription follows: a set of user ids, or every monitored user. */
export type Targets = ReadonlySet<string> | "all";

// Lists always go as a list (`user_ids`, `subscribe_to_ids`), even of one id, so every answer has
// one shape: an array of users (Lantern) or an id → presence map (Lanyard).

export function initFrame(dialect: Dialect, targets: Targets): string {
  if (dialect === "lanyard") {
    const d = targets === "all" ? { subscribe_to_all: true } : { subscribe_to_ids: [...targets] };
    return JSON.stringify({ op: 2, d });
  }
  const d = targets === "all" ? { user_id: "All" } : { user_ids: [...targets] };
  return JSON.stringify({ op: 2, d });
}

/** Adds users to a socket already initialised: Lantern's SUBSCRIBE (op 12), Lanyard's repeated op 2. */
export function subscribeFrame(dialect: Dialect, added: readonly string[] | "all"): string {
  if (dialect === "lanyard") return initFrame("lanyard", added === "all" ? "all" : new Set(added));
  const d = added === "all" ? { user_id: "All" } : { user_ids: added };
  return JSON.stringify({ op: 12, d });
}

/** Drops users: Lantern's UNSUBSCRIBE (op 14), Lanyard's op 4. */
export function unsubscribeFrame(dialect: Dialect, removed: readonly string[]): string {
  if (dialect === "lanyard") return JSON.stringify({ op: 4, d: { unsubscribe_from_ids: removed } });
  return JSON.stringify({ op: 14, d: { user_ids: removed } });
}

/**
 * Lantern's heartbeat in exactly the spelling the hub answers without waking
 * (setWebSocketAutoResponse), the cheapest frame for the server; Lanyard's expects no answer.
 */
export function heartbeatFrame(dialect: Dialect): string {
  return dialect === "lanyard" ? '{"op":3}' : '{"op":4}';
}

/**
 * Closes after which reconnecting would be refused the same way: nothing left to watch (4000),
 * or frames this client built that the server rejects (4004 unknown op, 4005 and 4006 bad INIT,
 * 4007 over the id cap, 1009 too large). The rest (the Worker restarting, a dropped connection,
 * a missed heartbeat 4009, flood 4008, All full on that hub 4010, the INIT deadline 4001) may go
 * better next time, on another connection and possibly another hub.
 */
const FINAL_CLOSE_CODES = new Set([4000, 4004, 4005, 4006, 4007, 1009]);

export function isFinalClose(code: number): boolean {
  return FINAL_CLOSE_CODES.has(code);
}

export interface ServerFrame {
  op: number;
  t?: string;
  d?: unknown;
}

export function readServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== "string") return null;
  try {
    const frame = JSON.parse(data) as unknown;
    if (typeof frame !== "object" || frame === null || typeof (frame as ServerFrame).op !== "number") {
      return null;
    }
    return frame as ServerFrame;
  } catch {
    return null;
  }
}
