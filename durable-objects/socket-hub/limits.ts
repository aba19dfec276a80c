/**
 * Caps and timings of the /socket protocol (durable-objects/socket-hub/protocol.ts), in one place
 * so the docs, the hub and the tests read the same numbers.
 *
 * | setting | default | why |
 * | --- | --- | --- |
 * | heartbeat interval | 30,000 ms | what Lantern's and Lanyard's servers announce in HELLO (Lantern's README says 10,000; its code sends 30,000) |
 * | heartbeat grace | 2 intervals (60,000 ms) | a socket is closed only after two whole intervals without a frame; Lantern closed after one with no grace (its bug 27), so one late timer or one lost packet cost a healthy client its connection |
 * | INIT timeout | 10,000 ms | Lantern allows 5 s, tight for a phone on a slow network, which first has to receive HELLO; a socket that never initialises costs a slot until then |
 * | ids per socket | 100 | at most this many distinct users subscribed by id on one socket, counted after every INIT and SUBSCRIBE; an INIT frame listing 100 twenty-digit ids is ~2.4 KB |
 * | inbound frame | 4,096 bytes | four times Lantern's 1,024 (which fits only ~45 ids) and room for the 100-id INIT; no client frame needs more; larger closes with 1009 |
 * | flood | 120 frames per 60,000 ms | a fixed window per socket; a well-behaved client sends one heartbeat per 30 s plus the odd (UN)SUBSCRIBE; the 121st frame in a window closes with 4008. Heartbeats the runtime auto-answers never reach the object and are not counted |
 * | All subscribers | 5 per hub | how many sockets on one hub may subscribe to every user at once (0 refuses All). All is part of both protocols and carries nothing REST does not serve, so it is on; Lantern let any number in (its bug 21). Measured on one hub with 1,000 users (BENCHMARKS.md, "All subscribers on one hub"): streaming to All sockets costs the hub's other sockets nothing measurable up to 10 and ×1.2 to ×1.3 their median latency at 25 to 50 (the run drifted by as much), but each All INIT_ACK reads every monitored user, so All sockets connecting under churn stall the hub (one: ×12 for 4 s; 5 at once: ×18 for 9 s; 10: ×28 for 22 s). 5 keeps the worst reconnection on a hub to seconds. The cap is per hub: a deployment with H hubs admits at most H × cap (40 with the default 8) |
 */

/** Lantern's and Lanyard's heartbeat interval, announced in HELLO. */
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** A socket is closed once this many heartbeat intervals pass without any frame from it. */
export const HEARTBEAT_GRACE_INTERVALS = 2;
/** How long a socket may stay open without a successful INIT. */
export const INIT_TIMEOUT_MS = 10_000;
/** Distinct user ids one socket may be subscribed to (All is capped separately, by config). */
export const MAX_IDS_PER_SOCKET = 100;
/** Largest inbound frame, in bytes (UTF-8 for text frames). */
export const MAX_FRAME_BYTES = 4096;
/** Frames one socket may send per flood window. */
export const FLOOD_MAX_MESSAGES = 120;
/** Length of the fixed flood window. */
export const FLOOD_WINDOW_MS = 60_000;
/**
 * Sockets per hub that may subscribe to All at once; 0 turns All off. What bounds it is each All
 * socket's INIT_ACK, which reads every monitored user: acks arriving together hold up the hub's
 * other sockets for seconds each (table above).
 */
export const MAX_ALL_SUBSCRIBERS_PER_HUB = 5;
/**
 * Cloudflare keeps a hibernated socket's attachment in memory and caps it at 16,384 bytes
 * serialised; a session at MAX_IDS_PER_SOCKET stays far below (~2.5 KB, tested).
 */
export const MAX_ATTACHMENT_BYTES = 16_384;

/** The protocol's settings. Every field is a plain number so a deployment can set it from a var. */
export interface SocketConfig {
  /** Announced in HELLO; the heartbeat deadline is derived from it. */
  heartbeatIntervalMs: number;
  /** Intervals without a frame before the socket is closed (4009 session_timeout). */
  heartbeatGraceIntervals: number;
  /** Without a successful INIT by then, the socket is closed (4001 init_timeout). */
  initTimeoutMs: number;
  /** Distinct ids per socket; more is refused (4007 too_many_ids, or an ERROR for SUBSCRIBE). */
  maxIdsPerSocket: number;
  /** Larger inbound frames close the socket with 1009. */
  maxFrameBytes: number;
  /** Frames allowed per window; one more closes with 4008 rate_limited. */
  floodMaxMessages: number;
  floodWindowMs: number;
  /** Sockets per hub subscribed to All at once; 0 refuses All (4010 all_not_allowed, or an ERROR). */
  maxAllSubscribersPerHub: number;
}

export const DEFAULT_SOCKET_CONFIG: Readonly<SocketConfig> = Object.freeze({
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  heartbeatGraceIntervals: HEARTBEAT_GRACE_INTERVALS,
  initTimeoutMs: INIT_TIMEOUT_MS,
  maxIdsPerSocket: MAX_IDS_PER_SOCKET,
  maxFrameBytes: MAX_FRAME_BYTES,
  floodMaxMessages: FLOOD_MAX_MESSAGES,
  floodWindowMs: FLOOD_WINDOW_MS,
  maxAllSubscribersPerHub: MAX_ALL_SUBSCRIBERS_PER_HUB,
});

/** The largest INIT a client may need: `{"op":2,"d":{"subscribe_to_ids":[` + `"<20 digits>",` per id + `]}}`. */
export function fullInitBytes(ids: number): number {
  return 40 + 23 * ids;
}

/** How long a socket may go without a frame: heartbeat interval × grace intervals. */
export function heartbeatTimeoutMs(config: SocketConfig): number {
  return config.heartbeatIntervalMs * config.heartbeatGraceIntervals;
}

/**
 * The defaults with `overrides` applied, checked: every value a positive integer (All's cap may be
 * 0), and the frame cap big enough for an INIT at the id cap. Throws a RangeError naming the
 * setting, so a bad deployment value fails loudly at start-up rather than per socket.
 */
export function socketConfig(overrides: Partial<SocketConfig> = {}): SocketConfig {
  const config: SocketConfig = { ...DEFAULT_SOCKET_CONFIG };
  for (const [key, value] of Object.entries(overrides) as [keyof SocketConfig, number | undefined][]) {
    if (value !== undefined) config[key] = value;
  }
  for (const [key, value] of Object.entries(config)) {
    const min = key === "maxAllSubscribersPerHub" ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < min) {
      throw new RangeError(`socket setting ${key} must be an integer of at least ${min}, not ${value}`);
    }
  }
  const fullInit = fullInitBytes(config.maxIdsPerSocket);
  if (config.maxFrameBytes < fullInit) {
    throw new RangeError(
      `socket setting maxFrameBytes (${config.maxFrameBytes}) cannot hold an INIT of maxIdsPerSocket ids (${fullInit} bytes)`,
    );
  }
  return config;
}

/**
 * Close codes. Lanyard's three (4004–4006) keep their meaning for both dialects; the rest are
 * Porchlight's. Lantern closed without a code; a Lantern-dialect socket gets DISCONNECT (op 9)
 * with a message first, then one of these.
 */
export const CLOSE = {
  /** Inbound frame larger than maxFrameBytes (the WebSocket standard's code). */
  MESSAGE_TOO_BIG: { code: 1009, reason: "message_too_big" },
  /** Lantern: nothing left subscribed (unsubscribed from everything, every user left, or INIT named only unknown users). */
  NO_SUBSCRIPTIONS: { code: 4000, reason: "no_subscriptions" },
  /** No successful INIT within initTimeoutMs. */
  INIT_TIMEOUT: { code: 4001, reason: "init_timeout" },
  /** An op the dialect does not have, or one only the server sends. */
  UNKNOWN_OPCODE: { code: 4004, reason: "unknown_opcode" },
  /** INIT (or Lanyard's unsubscribe) whose `d` is missing, not an object, or empty. */
  REQUIRES_DATA_OBJECT: { code: 4005, reason: "requires_data_object" },
  /** Not JSON, not an object, a binary frame (Lanyard), or a `d` of the wrong shape. */
  INVALID_PAYLOAD: { code: 4006, reason: "invalid_payload" },
  /** Lanyard: a subscribe_to_id(s) string that is not a Discord id (a Lantern socket names the field under 4006's message). */
  INVALID_USER_ID: { code: 4006, reason: "invalid_user_id" },
  /** The subscription would exceed maxIdsPerSocket. */
  TOO_MANY_IDS: { code: 4007, reason: "too_many_ids" },
  /** More than floodMaxMessages frames in one window. */
  RATE_LIMITED: { code: 4008, reason: "rate_limited" },
  /** No frame for heartbeatIntervalMs × heartbeatGraceIntervals. */
  SESSION_TIMEOUT: { code: 4009, reason: "session_timeout" },
  /** Subscribing to All is off on this deployment, or its per-hub cap is reached. */
  ALL_NOT_ALLOWED: { code: 4010, reason: "all_not_allowed" },
} as const;
export type CloseKind = keyof typeof CLOSE;
