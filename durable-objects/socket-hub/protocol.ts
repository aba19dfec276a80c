import { Snowflake } from "../../schemas/snowflake.ts";
import { LanternTarget, LanyardSubscription, LanyardUnsubscription } from "../../schemas/socket.ts";
import {
  FRAMES,
  type FrameBuilders,
  hello,
  lanternFrames,
  lanyardFrames,
  type UserPayloads,
} from "./frames.ts";
import { CLOSE, type CloseKind, heartbeatTimeoutMs, type SocketConfig } from "./limits.ts";
import { malformedId, notMonitored, tooManyIds } from "./refusals.ts";

/**
 * The /socket protocol as pure functions, for both dialects: the SocketHub Durable Object keeps a
 * `SocketSession` per socket (in ws.serializeAttachment), feeds it every event and carries out the
 * effects that come back. No I/O, no clock but the `now` it is given.
 *
 *   open(url, now, config)                        a socket was accepted: HELLO
 *   receive(session, data, now, config, hub)      the client sent a frame
 *   tick(session, now, config, autoResponseAt)    time passed (the hub's alarm): INIT and heartbeat deadlines
 *   settleSubscription(session, ack, users)       the hub fetched the users an "ack" effect asked for
 *   fanOut(sessions, change)                      a user changed: which socket gets which frame
 *   release(session)                              the client closed or the socket errored
 *   interest(sessions), deadline(session, ...)    what the hub must watch, and when to wake
 *
 * Effects, in order: `send` (a text frame; `compress` when the socket asked for zlib_json),
 * `subscribe`/`unsubscribe` (this socket's interest grew/shrank; the hub reconciles its interest in
 * users' objects with interest()), `ack` (fetch these users' current payloads, then call
 * settleSubscription, which sends the INIT_ACK/SUBSCRIBE_ACK/INIT_STATE), `close` (code, reason).
 * After a `close` the session is marked closed and every later call returns no effects.
 *
 * Dialect. Unknown until the first INIT (op 2): a `d` with `subscribe_to_*` keys is Lanyard, one
 * with `user_id`/`user_ids` is Lantern, one with both is 4006. HELLO is written to satisfy both.
 * Before the dialect is known a fatal error closes without a frame (the client's dialect is
 * unknown, so the close reason carries the message); after, a Lantern socket gets DISCONNECT (op 9,
 * `{error, reason}`) first, a Lanyard socket just the close, as Lanyard does.
 * Before INIT: op 2 decides; op 3 is Lanyard's heartbeat (no answer); op 4 is Lantern's heartbeat
 * (HEARTBEAT_ACK), unless its `d` has `unsubscribe_from_*` keys (Lanyard's unsubscribe: nothing to
 * do yet); ops 12 and 14 exist only in Lantern and get ERROR "Send INIT (op 2) first."; any other op
 * closes with 4004; non-JSON, a non-object or a binary frame closes with 4006.
 *
 * Close codes (limits.ts, CLOSE): 1009 frame over maxFrameBytes; 4000 Lantern socket with nothing
 * left subscribed; 4001 no INIT within initTimeoutMs; 4004 unknown or server-only op; 4005 INIT
 * (or Lanyard unsubscribe) `d` missing, not an object, or empty; 4006 invalid payload, or an id
 * that is not a Discord id; 4007 more than maxIdsPerSocket ids; 4008 flood; 4009 no frame for two
 * heartbeat intervals; 4010 All not allowed.
 *
 * Refused ids are named as REST names them (refusals.ts): an id that is not a Discord id by its
 * field ("user_ids.1: must be a Discord id (17 to 20 digits)"), a user not monitored as "User … is
 * not being monitored by Porchlight.", too many ids by the cap and the count the frame would make.
 *
 * Lantern decisions (its socket bugs, shared/reference §5, fixed):
 * - Only ops 2, 4, 12, 14 come from clients. An op Lantern has but only the server sends closes
 *   with 4004 ("You are not allowed to send this opcode to the server."), any other op with 4004
 *   ("Invalid opcode."), as Lantern's DISCONNECTs did.
 * - An INIT that cannot be honoured ends the socket (Lantern: invalid INIT → DISCONNECT): invalid
 *   `d` 4006, over the id cap 4007, All not allowed 4010. A SUBSCRIBE or UNSUBSCRIBE that cannot
 *   be honoured gets ERROR (op 11) and changes nothing, as in Lantern.
 * - A second INIT gets ERROR and changes nothing (Lantern accepted it, bug 5).
 * - HEARTBEAT before INIT is answered (Lantern disconnected). Any frame counts as a sign of life,
 *   not only heartbeats; the socket closes (4009, "Connection timed out.") after two intervals
 *   without one (Lantern: one interval, no grace, bug 27).
 * - `user_id` accepts "All" in any case (README "All", code "ALL", bug 3). Ids must be Discord ids:
 *   one that is not is named by its field, in DISCONNECT and the 4006 reason for INIT (Lantern sent
 *   the zod message), in an ERROR for SUBSCRIBE and UNSUBSCRIBE.
 * - Users that are not monitored (the hub learns which when it asks their objects) are left out of
 *   the subscription (no orphans, bug 6) and of the ack, and named in one ERROR sent before it. If
 *   that leaves nothing subscribed, DISCONNECT and 4000 instead.
 * - SUBSCRIBE works with `user_id`, `user_ids` and All whatever INIT used (bug 4). SUBSCRIBE_ACK
 *   carries the added users' data, shaped like INIT_ACK (Lantern sent no `d`, so a client learnt
 *   nothing about a user until they next changed). Subscribing to a user already subscribed, or to
 *   anything while on All, is an ERROR as in Lantern; SUBSCRIBE All while on ids moves to All.
 * - UNSUBSCRIBE of ids not subscribed, or of ids while on All, is an ERROR. UNSUBSCRIBE
 *   `{"user_id":"All"}` drops everything. Whenever nothing is left: DISCONNECT and 4000.
 * - Invalid JSON, a JSON value that is not an object, and binary frames get ERROR (Lantern crashed
 *   on them, leaving the socket open and silent).
 * - PRESENCE_UPDATE and STORAGE_UPDATE carry one whole user object (as Lantern's code sends;
 *   its README shows only the pairs for STORAGE_UPDATE). USER_JOINED goes to All subscribers.
 *   USER_LEFT goes to every socket subscribed to the user, All included (Lantern skipped All); a
 *   socket left with no user then gets DISCONNECT and 4000.
 *
 * Lanyard decisions (Lanyard's socket_handler.ex, shared/reference §6):
 * - op 2 is repeatable and adds to the subscription; each is answered by INIT_STATE for what it
 *   named: subscribe_to_id → the presence or {}, subscribe_to_ids/all → id → presence with unknown
 *   ids left out, as Lanyard answers (it has no error frame; a user nobody monitors is not a mistake
 *   a client can fix). Unknown ids are not kept subscribed. A string that is not a Discord id is
 *   the client's mistake: 4006 with reason "invalid_user_id: <field>: must be a Discord id …",
 *   where REST answers 400 invalid_user_id (Lanyard, which checks nothing, answered {}). It is
 *   never sent to the hub, so no object is woken for it. Non-string ids 4006 invalid_payload.
 * - `d` missing, not an object or empty → 4005; no `subscribe_to_*` key, two of them, wrong types,
 *   `subscribe_to_all: false` → 4006. Other keys beside one known key are ignored, as Lanyard does.
 * - op 3 heartbeat: no answer. op 4 unsubscribe (unsubscribe_from_id, _ids, _all: true): no answer;
 *   without `d` it does nothing; a bad `d` closes like op 2's. unsubscribe_from_all drops ids too;
 *   unsubscribing ids while on all does nothing (Lanyard's global subscription also persists).
 *   A Lanyard socket with nothing subscribed stays open, as in Lanyard.
 * - Any other op 4004; bad JSON, non-object JSON, binary frames 4006.
 * - PRESENCE_UPDATE (op 0) carries the presence plus `user_id`; sent on presence and key-value
 *   changes, and to subscribe_to_all sockets when a user joins. A user leaving sends nothing (as
 *   Lanyard) and is dropped from id subscriptions.
 * - Limits Lanyard lacks: 100 ids (4007, reason "too_many_ids: At most 100 users … would make N."),
 *   frame size (1009), flood (4008), All by config (4010).
 *
 * Both: over floodMaxMessages frames in a fixed window → 4008; a frame over maxFrameBytes → 1009
 * (Lantern gets DISCONNECT first). All is allowed while fewer than maxAllSubscribersPerHub sockets
 * on the hub are on All (0 = never); the hub passes that count (interest().allSubscribers).
 * Unsubscribe effects accompany every close, so a closed socket never keeps interest.
 *
 * Races the hub handles: an ack is settled asynchronously, so the client may have sent more frames
 * meanwhile; settleSubscription works on the session as it is then (pass the current one). An
 * update fetched for an ack and a fan-out for the same user may cross; compare versions and send
 * the newer last.
 */

export type Dialect = "lantern" | "lanyard";

export type Subscription = { kind: "none" } | { kind: "ids"; ids: string[] } | { kind: "all" };

/** One socket's state: plain JSON, a few hundred bytes (~2.5 KB at 100 ids). */
export interface SocketSession {
  /** Null until the first INIT decides it. */
  dialect: Dialect | null;
  subscription: Subscription;
  /** The socket was opened with ?compression=zlib_json: every frame is deflated. */
  compress: boolean;
  connectedAt: number;
  /** Last frame received from the client (any frame is a heartbeat). */
  lastFrameAt: number;
  /** Start of the current flood window and the frames counted in it. */
  windowStart: number;
  windowCount: number;
  /** A close effect was emitted; nothing more happens. */
  closed: boolean;
}

/** Which users: a list of ids (in request order, no duplicates) or every monitored user. */
export type Target = string[] | "all";

/** How the ack's `d` is shaped: one user (`user_id`/`subscribe_to_id`), a list, or All. */
export type AckShape = "single" | "list" | "all";

export interface AckEffect {
  kind: "ack";
  op: "init" | "subscribe";
  dialect: Dialect;
  target: Target;
  shape: AckShape;
}

export type Effect =
  | { kind: "send"; frame: string; compress: boolean }
  | { kind: "subscribe"; target: Target }
  | { kind: "unsubscribe"; target: Target }
  | AckEffect
  | { kind: "close"; code: number; reason: string };

export interface Step {
  session: SocketSession;
  effects: Effect[];
}

/** What the hub knows across its sockets that one socket's decision needs. */
export interface HubContext {
  /** Sockets on this hub subscribed to All now. */
  allSubscribers: number;
}

const NO_HUB: HubContext = { allSubscribers: 0 };

// ---------------------------------------------------------------------------------------------
// Opening and timing
// ---------------------------------------------------------------------------------------------

/** A socket was accepted: a fresh session, and HELLO. `url` is the upgrade request's URL. */
export function open(url: string | URL, now: number, config: SocketConfig): Step {
  const session: SocketSession = {
    dialect: null,
    subscription: { kind: "none" },
    compress: compressionOf(url),
    connectedAt: now,
    lastFrameAt: now,
    windowStart: now,
    windowCount: 0,
    closed: false,
  };
  return { session, effects: [send(session, hello(config.heartbeatIntervalMs))] };
}

function compressionOf(url: string | URL): boolean {
  try {
    return new URL(url, "http://socket.invalid").searchParams.get("compression") === "zlib_json";
  } catch {
    return false;
  }
}

/**
 * Deadlines. Closes with 4001 when no INIT succeeded within initTimeoutMs of connecting, and with
 * 4009 when the last sign of life is more than heartbeatIntervalMs × heartbeatGraceIntervals old
 * (exactly at the limit is still alive). `autoResponseAt` is
 * ctx.getWebSocketAutoResponseTimestamp(ws) in ms: heartbeats the runtime answered for the hub.
 */
export function tick(
  session: SocketSession,
  now: number,
  config: SocketConfig,
  autoResponseAt?: number | null,
): Step {
  if (session.closed) return none(session);
  if (session.dialect === null && now - session.connectedAt > config.initTimeoutMs) {
    return fatal(session, "INIT_TIMEOUT", `No INIT within ${config.initTimeoutMs} ms of connecting.`);
  }
  if (now - lastAlive(session, autoResponseAt) > heartbeatTimeoutMs(config)) {
    return fatal(session, "SESSION_TIMEOUT", "Connection timed out.");
  }
  return none(session);
}

/** The first instant tick() would close the session, or null once closed: the hub's next alarm. */
export function deadline(
  session: SocketSession,
  config: SocketConfig,
  autoResponseAt?: number | null,
): number | null {
  if (session.closed) return null;
  const heartbeat = lastAlive(session, autoResponseAt) + heartbeatTimeoutMs(config) + 1;
  if (session.dialect !== null) return heartbeat;
  return Math.min(heartbeat, session.connectedAt + config.initTimeoutMs + 1);
}

function lastAlive(session: SocketSession, autoResponseAt: number | null | undefined): number {
  return Math.max(session.lastFrameAt, autoResponseAt ?? Number.NEGATIVE_INFINITY);
}

/** The client closed, or the socket errored: drop the session's interest. */
export function release(session: SocketSession): Step {
  if (session.closed) return none(session);
  const effects = dropAll(session);
  return { session: { ...session, subscription: { kind: "none" }, closed: true }, effects };
}

// ---------------------------------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------------------------------

/** A frame from the client: text as a string, binary as an ArrayBuffer. */
export function receive(
  session: SocketSession,
  data: string | ArrayBuffer | ArrayBufferView,
  now: number,
  config: SocketConfig,
  hub: HubContext = NO_HUB,
): Step {
  if (session.closed) return none(session);
  const fresh = now - session.windowStart >= config.floodWindowMs;
  const s: SocketSession = {
    ...session,
    lastFrameAt: now,
    windowStart: fresh ? now : session.windowStart,
    windowCount: (fresh ? 0 : session.windowCount) + 1,
  };
  if (s.windowCount > config.floodMaxMessages) {
    const seconds = config.floodWindowMs / 1000;
    return fatal(
      s,
      "RATE_LIMITED",
      `Too many messages: at most ${config.floodMaxMessages} per ${seconds} s.`,
    );
  }
  if (frameBytes(data, config.maxFrameBytes) > config.maxFrameBytes) {
    return fatal(s, "MESSAGE_TOO_BIG", `Message too large: at most ${config.maxFrameBytes} bytes.`);
  }
  if (typeof data !== "string") {
    return recoverable(s, "Binary frames are not supported; send JSON text.");
  }
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return recoverable(s, "Invalid JSON.");
  }
  if (!isRecord(message)) return recoverable(s, "A message must be a JSON object.");
  const context = { config, hub };
  switch (s.dialect) {
    case null:
      return beforeInit(s, message, context);
    case "lantern":
      return lanternMessage(s, message, context);
    case "lanyard":
      return lanyardMessage(s, message, context);
  }
}

interface Context {
  config: SocketConfig;
  hub: HubContext;
}

/**
 * UTF-8 length of a text frame without encoding it when the answer is plain: a UTF-16 code unit is
 * 1 to 3 bytes in UTF-8 (a surrogate pair is 4 bytes for 2 units).
 */
export function frameBytes(data: string | ArrayBuffer | ArrayBufferView, max: number): number {
  if (typeof data !== "string") return data.byteLength;
  if (data.length > max) return data.length;
  if (data.length * 3 <= max) return data.length;
  return new TextEncoder().encode(data).byteLength;
}

/** A mistake the client can recover from: ERROR for Lantern; fatal for Lanyard and before INIT. */
function recoverable(s: SocketSession, message: string): Step {
  if (s.dialect === "lantern") return { session: s, effects: [send(s, lanternFrames.error(message))] };
  return fatal(s, "INVALID_PAYLOAD", message);
}

function beforeInit(s: SocketSession, message: Record<string, unknown>, context: Context): Step {
  switch (message.op) {
    case 2:
      return detectDialect(s, message.d, context);
    case 3:
      return none(s);
    case 4: {
      const d = message.d;
      if (isRecord(d) && UNSUBSCRIBE_KEYS.some((key) => d[key] !== undefined)) return none(s);
      return { session: s, effects: [send(s, lanternFrames.heartbeatAck())] };
    }
    case 12:
    case 14:
      return { session: s, effects: [send(s, lanternFrames.error("Send INIT (op 2) first."))] };
    default:
      return fatal(s, "UNKNOWN_OPCODE", "Invalid opcode.");
  }
}

const LANTERN_KEYS = ["user_id", "user_ids"] as const;
const SUBSCRIBE_KEYS = ["subscribe_to_id", "subscribe_to_ids", "subscribe_to_all"] as const;
const UNSUBSCRIBE_KEYS = ["unsubscribe_from_id", "unsubscribe_from_ids", "unsubscribe_from_all"] as const;

function detectDialect(s: SocketSession, d: unknown, context: Context): Step {
  if (!isRecord(d) || Object.keys(d).length === 0) {
    return fatal(s, "REQUIRES_DATA_OBJECT", "INIT requires a non-empty object d.");
  }
  const lanyard = SUBSCRIBE_KEYS.some((key) => d[key] !== undefined);
  const lantern = LANTERN_KEYS.some((key) => d[key] !== undefined);
  if (lanyard && lantern) return fatal(s, "INVALID_PAYLOAD", "INIT mixes Lantern's and Lanyard's keys.");
  if (lanyard) return lanyardSubscribe({ ...s, dialect: "lanyard" }, d, context);
  if (lantern) return lanternInit({ ...s, dialect: "lantern" }, d, context);
  return fatal(s, "INVALID_PAYLOAD", "INIT needs user_id or user_ids (Lantern) or subscribe_to_* (Lanyard).");
}

// ---------------------------------------------------------------------------------------------
// Lantern
// ---------------------------------------------------------------------------------------------

/** Ops Lantern defines but only the server sends. */
const LANTERN_SERVER_OPS = new Set([1, 3, 5, 6, 7, 8, 9, 10, 11, 13, 15]);

type LanternRequest = { kind: "all" } | { kind: "ids"; ids: string[]; shape: "single" | "list" };

function lanternRequest(d: unknown): LanternRequest | string {
  const parsed = LanternTarget.safeParse(d);
  if (!parsed.success) return issueText(parsed.error.issues);
  const { user_id, user_ids } = parsed.data;
  if (user_id !== undefined) {
    return Snowflake.safeParse(user_id).success
      ? { kind: "ids", ids: [user_id], shape: "single" }
      : { kind: "all" };
  }
  return { kind: "ids", ids: unique(user_ids ?? []), shape: "list" };
}

function lanternInit(s: SocketSession, d: unknown, { config, hub }: Context): Step {
  const request = lanternRequest(d);
  if (typeof request === "string") return fatal(s, "INVALID_PAYLOAD", request);
  if (request.kind === "all") {
    if (!allAllowed(config, hub)) return fatal(s, "ALL_NOT_ALLOWED", ALL_REFUSED);
    return {
      session: { ...s, subscription: { kind: "all" } },
      effects: [
        { kind: "subscribe", target: "all" },
        { kind: "ack", op: "init", dialect: "lantern", target: "all", shape: "all" },
      ],
    };
  }
  if (request.ids.length > config.maxIdsPerSocket) {
    return fatal(s, "TOO_MANY_IDS", tooManyIds(config.maxIdsPerSocket, request.ids.length));
  }
  return {
    session: { ...s, subscription: { kind: "ids", ids: request.ids } },
    effects: [
      { kind: "subscribe", target: request.ids },
      { kind: "ack", op: "init", dialect: "lantern", target: request.ids, shape: request.shape },
    ],
  };
}

function lanternMessage(s: SocketSession, message: Record<string, unknown>, context: Context): Step {
  const { op } = message;
  switch (op) {
    case 2:
      return lanternError(s, "Already initialised: INIT is accepted once per socket; use SUBSCRIBE (op 12).");
    case 4:
      return { session: s, effects: [send(s, lanternFrames.heartbeatAck())] };
    case 12:
      return lanternSubscribe(s, message.d, context);
    case 14:
      return lanternUnsubscribe(s, message.d);
    default:
      return typeof op === "number" && LANTERN_SERVER_OPS.has(op)
        ? fatal(s, "UNKNOWN_OPCODE", "You are not allowed to send this opcode to the server.")
        : fatal(s, "UNKNOWN_OPCODE", "Invalid opcode.");
  }
}

function lanternSubscribe(s: SocketSession, d: unknown, { config, hub }: Context): Step {
  const request = lanternRequest(d);
  if (typeof request === "string") return lanternError(s, request);
  const current = s.subscription;
  if (current.kind === "all") return lanternError(s, "You are already subscribed to all users.");
  const held = current.kind === "ids" ? current.ids : [];
  if (request.kind === "all") {
    if (!allAllowed(config, hub)) return lanternError(s, ALL_REFUSED);
    const effects: Effect[] = [{ kind: "subscribe", target: "all" }];
    if (held.length > 0) effects.push({ kind: "unsubscribe", target: held });
    effects.push({ kind: "ack", op: "subscribe", dialect: "lantern", target: "all", shape: "all" });
    return { session: { ...s, subscription: { kind: "all" } }, effects };
  }
  const already = request.ids.filter((id) => held.includes(id));
  if (already.length > 0) {
    return lanternError(s, `You are already subscribed to ${whom(already)}.`);
  }
  const total = held.length + request.ids.length;
  if (total > config.maxIdsPerSocket) return lanternError(s, tooManyIds(config.maxIdsPerSocket, total));
  return {
    session: { ...s, subscription: { kind: "ids", ids: [...held, ...request.ids] } },
    effects: [
      { kind: "subscribe", target: request.ids },
      { kind: "ack", op: "subscribe", dialect: "lantern", target: request.ids, shape: request.shape },
    ],
  };
}

function lanternUnsubscribe(s: SocketSession, d: unknown): Step {
  const request = lanternRequest(d);
  if (typeof request === "string") return lanternError(s, request);
  const current = s.subscription;
  if (request.kind === "all") {
    return fatal(s, "NO_SUBSCRIPTIONS", "You unsubscribed from every user. Connection closed.");
  }
  if (current.kind === "all") {
    return lanternError(s, 'You are subscribed to all users; unsubscribe from "All" to stop.');
  }
  const held = current.kind === "ids" ? current.ids : [];
  const missing = request.ids.filter((id) => !held.includes(id));
  if (missing.length > 0) return lanternError(s, `You are not subscribed to ${whom(missing)}.`);
  const rest = held.filter((id) => !request.ids.includes(id));
  if (rest.length === 0) {
    return fatal(s, "NO_SUBSCRIPTIONS", "You require at least one user to be subscribed. Connection closed.");
  }
  return {
    session: { ...s, subscription: { kind: "ids", ids: rest } },
    effects: [{ kind: "unsubscribe", target: request.ids }, send(s, lanternFrames.unsubscribeAck())],
  };
}

function lanternError(s: SocketSession, message: string): Step {
  return { session: s, effects: [send(s, lanternFrames.error(message))] };
}

const ALL_REFUSED = "Subscribing to all users is not allowed on this server.";
const whom = (ids: string[]) => (ids.length === 1 ? `user ${ids[0]}` : `users ${ids.join(", ")}`);

// ---------------------------------------------------------------------------------------------
// Lanyard
// ---------------------------------------------------------------------------------------------

function lanyardMessage(s: SocketSession, message: Record<string, unknown>, context: Context): Step {
  switch (message.op) {
    case 2:
      return lanyardSubscribe(s, message.d, context);
    case 3:
      return none(s);
    case 4:
      return lanyardUnsubscribe(s, message.d);
    default:
      return fatal(s, "UNKNOWN_OPCODE", "unknown_opcode");
  }
}

function lanyardSubscribe(s: SocketSession, d: unknown, { config, hub }: Context): Step {
  if (!isRecord(d) || Object.keys(d).length === 0) {
    return fatal(s, "REQUIRES_DATA_OBJECT", "requires_data_object");
  }
  const parsed = LanyardSubscription.safeParse(d);
  if (!parsed.success) return fatal(s, "INVALID_PAYLOAD", "invalid_payload");
  const { subscribe_to_id, subscribe_to_ids } = parsed.data;
  const current = s.subscription;

  if (subscribe_to_id === undefined && subscribe_to_ids === undefined) {
    const ack: AckEffect = { kind: "ack", op: "init", dialect: "lanyard", target: "all", shape: "all" };
    if (current.kind === "all") return { session: s, effects: [ack] };
    if (!allAllowed(config, hub)) return fatal(s, "ALL_NOT_ALLOWED", "all_not_allowed");
    const effects: Effect[] = [{ kind: "subscribe", target: "all" }];
    if (current.kind === "ids" && current.ids.length > 0)
      effects.push({ kind: "unsubscribe", target: current.ids });
    effects.push(ack);
    return { session: { ...s, subscription: { kind: "all" } }, effects };
  }

  const shape = subscribe_to_id === undefined ? "list" : "single";
  const requested = subscribe_to_id === undefined ? (subscribe_to_ids ?? []) : [subscribe_to_id];
  // A string that is not a Discord id is a client's mistake, refused as REST refuses it (400
  // invalid_user_id) rather than answered as a user nobody monitors; it never reaches the hub.
  const malformed =
    subscribe_to_id === undefined
      ? malformedId("subscribe_to_ids", requested, true)
      : malformedId("subscribe_to_id", requested, false);
  if (malformed) return fatal(s, "INVALID_USER_ID", malformed, { explained: true });
  const ids = unique(requested);
  if (ids.length === 0) {
    return { session: s, effects: [send(s, lanyardFrames.initState({}))] };
  }
  const ack: AckEffect = { kind: "ack", op: "init", dialect: "lanyard", target: ids, shape };
  if (current.kind === "all") return { session: s, effects: [ack] };
  const held = current.kind === "ids" ? current.ids : [];
  const added = ids.filter((id) => !held.includes(id));
  const total = held.length + added.length;
  if (total > config.maxIdsPerSocket) {
    return fatal(s, "TOO_MANY_IDS", tooManyIds(config.maxIdsPerSocket, total), { explained: true });
  }
  const effects: Effect[] = added.length > 0 ? [{ kind: "subscribe", target: added }, ack] : [ack];
  return { session: { ...s, subscription: { kind: "ids", ids: [...held, ...added] } }, effects };
}

function lanyardUnsubscribe(s: SocketSession, d: unknown): Step {
  if (d === undefined || d === null) return none(s);
  if (!isRecord(d) || Object.keys(d).length === 0) {
    return fatal(s, "REQUIRES_DATA_OBJECT", "requires_data_object");
  }
  const parsed = LanyardUnsubscription.safeParse(d);
  if (!parsed.success) return fatal(s, "INVALID_PAYLOAD", "invalid_payload");
  const { unsubscribe_from_id, unsubscribe_from_ids, unsubscribe_from_all } = parsed.data;
  const current = s.subscription;
  if (unsubscribe_from_all) {
    return { session: { ...s, subscription: { kind: "none" } }, effects: dropAll(s) };
  }
  if (current.kind !== "ids") return none(s);
  const ids = unsubscribe_from_id === undefined ? (unsubscribe_from_ids ?? []) : [unsubscribe_from_id];
  const removed = current.ids.filter((id) => ids.includes(id));
  if (removed.length === 0) return none(s);
  const rest = current.ids.filter((id) => !removed.includes(id));
  return {
    session: { ...s, subscription: rest.length > 0 ? { kind: "ids", ids: rest } : { kind: "none" } },
    effects: [{ kind: "unsubscribe", target: removed }],
  };
}

// ---------------------------------------------------------------------------------------------
// Settling an ack
// ---------------------------------------------------------------------------------------------

/**
 * Completes an `ack` effect once the hub has asked the users' objects: `users` holds the payloads
 * of the target's users that are monitored (for target "all", every monitored user, in the order
 * the ack should list them). Target ids missing from `users` are unknown: dropped from the
 * subscription (with an unsubscribe effect), named in a Lantern ERROR, left out of the ack. Pass
 * the session as it is now, not as it was when the ack was emitted.
 */
export function settleSubscription(
  session: SocketSession,
  ack: AckEffect,
  users: ReadonlyMap<string, UserPayloads>,
): Step {
  if (session.closed) return none(session);
  const known = ack.target === "all" ? [...users.keys()] : ack.target.filter((id) => users.has(id));
  const unknown = ack.target === "all" ? [] : ack.target.filter((id) => !users.has(id));

  let s = session;
  const effects: Effect[] = [];
  const held = s.subscription.kind === "ids" ? s.subscription.ids : [];
  const dropped = held.filter((id) => unknown.includes(id));
  if (dropped.length > 0) {
    const rest = held.filter((id) => !unknown.includes(id));
    s = { ...s, subscription: rest.length > 0 ? { kind: "ids", ids: rest } : { kind: "none" } };
    effects.push({ kind: "unsubscribe", target: dropped });
  }

  if (ack.dialect === "lanyard") {
    const presences = known.map((id) => [id, users.get(id)!.lanyard] as const);
    const d = ack.shape === "single" ? (presences[0]?.[1] ?? {}) : Object.fromEntries(presences);
    effects.push(send(s, lanyardFrames.initState(d)));
    return { session: s, effects };
  }

  const refused = unknown.length > 0 ? notMonitored(unknown) : "";
  if (s.subscription.kind === "none") {
    const step = fatal(s, "NO_SUBSCRIPTIONS", `${refused} No user left to watch. Connection closed.`.trim());
    return { session: step.session, effects: [...effects, ...step.effects] };
  }
  if (refused) effects.push(send(s, lanternFrames.error(refused)));
  const data = known.map((id) => users.get(id)!.lantern);
  const build = ack.op === "init" ? lanternFrames.initAck : lanternFrames.subscribeAck;
  if (ack.shape === "single") {
    if (data[0]) effects.push(send(s, build(data[0])));
  } else if (ack.op === "init" || data.length > 0) {
    effects.push(send(s, build(data)));
  }
  return { session: s, effects };
}

// ---------------------------------------------------------------------------------------------
// Fan-out
// ---------------------------------------------------------------------------------------------

/** A user changed; the hub hears it once and calls fanOut once. */
export type UserChange =
  | { kind: "presence" | "storage" | "joined"; user_id: string; payloads: UserPayloads }
  | { kind: "left"; user_id: string };

export interface Delivery<K> {
  key: K;
  /** The session after the change; re-serialise it when `changed`. */
  session: SocketSession;
  changed: boolean;
  effects: Effect[];
}

/**
 * Which sockets get what for one user change. Each distinct frame is built at most once per call
 * (so once per dialect), however many sockets receive it; sockets with nothing to do are left out.
 * - presence: PRESENCE_UPDATE to subscribers (Lantern op 6; Lanyard op 0 with user_id).
 * - storage: Lantern STORAGE_UPDATE (op 10, the whole user); Lanyard PRESENCE_UPDATE.
 * - joined: All subscribers get Lantern USER_JOINED (op 8) / Lanyard PRESENCE_UPDATE; a socket
 *   subscribed to the id itself gets PRESENCE_UPDATE.
 * - left: Lantern USER_LEFT (op 7) to id and All subscribers; an id subscriber loses the id, and with
 *   none left gets DISCONNECT and 4000. Lanyard: the id is dropped silently.
 */
export function fanOut<K>(
  sessions: Iterable<readonly [K, SocketSession]>,
  change: UserChange,
  builders: FrameBuilders = FRAMES,
): Delivery<K>[] {
  const id = change.user_id;
  const memo = new Map<string, string>();
  const once = (name: string, build: () => string) => {
    let frame = memo.get(name);
    if (frame === undefined) {
      frame = build();
      memo.set(name, frame);
    }
    return frame;
  };
  const lanternFrame = (): string | null => {
    switch (change.kind) {
      case "presence":
        return once("lantern", () => builders.lantern.presenceUpdate(change.payloads.lantern));
      case "storage":
        return once("lantern", () => builders.lantern.storageUpdate(change.payloads.lantern));
      case "joined":
        return once("lantern", () => builders.lantern.userJoined(change.payloads.lantern));
      case "left":
        return once("lantern", () => builders.lantern.userLeft(id));
    }
  };
  const presenceUpdate = (): string | null =>
    change.kind === "left"
      ? null
      : once("lantern-presence", () => builders.lantern.presenceUpdate(change.payloads.lantern));
  const lanyardFrame = (): string | null =>
    change.kind === "left"
      ? null
      : once("lanyard", () => builders.lanyard.presenceUpdate(id, change.payloads.lanyard));

  const deliveries: Delivery<K>[] = [];
  for (const [key, session] of sessions) {
    if (session.closed || session.dialect === null) continue;
    const sub = session.subscription;
    const byId = sub.kind === "ids" && sub.ids.includes(id);
    if (!byId && sub.kind !== "all") continue;

    if (change.kind === "left") {
      if (session.dialect === "lanyard") {
        if (!byId) continue;
        const rest = (sub as { ids: string[] }).ids.filter((held) => held !== id);
        deliveries.push({
          key,
          session: {
            ...session,
            subscription: rest.length > 0 ? { kind: "ids", ids: rest } : { kind: "none" },
          },
          changed: true,
          effects: [{ kind: "unsubscribe", target: [id] }],
        });
        continue;
      }
      const effects: Effect[] = [send(session, lanternFrame()!)];
      if (!byId) {
        deliveries.push({ key, session, changed: false, effects });
        continue;
      }
      const rest = (sub as { ids: string[] }).ids.filter((held) => held !== id);
      let next: SocketSession = { ...session, subscription: { kind: "ids", ids: rest } };
      effects.push({ kind: "unsubscribe", target: [id] });
      if (rest.length === 0) {
        const step = fatal(
          { ...next, subscription: { kind: "none" } },
          "NO_SUBSCRIPTIONS",
          "There is no user to monitor anymore.",
        );
        next = step.session;
        effects.push(...step.effects);
      }
      deliveries.push({ key, session: next, changed: true, effects });
      continue;
    }

    let frame: string | null;
    if (session.dialect === "lanyard") frame = lanyardFrame();
    else if (change.kind === "joined" && byId) frame = presenceUpdate();
    else frame = lanternFrame();
    if (frame !== null) deliveries.push({ key, session, changed: false, effects: [send(session, frame)] });
  }
  return deliveries;
}

/** What the hub must watch across its sockets: the union of their subscriptions. */
export interface HubInterest extends HubContext {
  ids: Set<string>;
}

export function interest(sessions: Iterable<SocketSession>): HubInterest {
  const ids = new Set<string>();
  let allSubscribers = 0;
  for (const session of sessions) {
    if (session.closed) continue;
    if (session.subscription.kind === "all") allSubscribers++;
    if (session.subscription.kind === "ids") for (const id of session.subscription.ids) ids.add(id);
  }
  return { allSubscribers, ids };
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function none(session: SocketSession): Step {
  return { session, effects: [] };
}

function send(session: SocketSession, frame: string): Effect {
  return { kind: "send", frame, compress: session.compress };
}

/**
 * Ends the session: DISCONNECT for a Lantern socket, unsubscribe everything, close. A Lanyard
 * socket's close reason is the snake_case name alone, as Lanyard's are, which a client may compare;
 * `explained` adds the message after it ("too_many_ids: At most …") for refusals Lanyard never
 * makes, whose close is the only place a Lanyard client can read why.
 */
function fatal(
  session: SocketSession,
  kind: CloseKind,
  message: string,
  { explained = false }: { explained?: boolean } = {},
): Step {
  const { code, reason } = CLOSE[kind];
  const effects: Effect[] = [];
  if (session.dialect === "lantern") effects.push(send(session, lanternFrames.disconnect(message)));
  effects.push(...dropAll(session));
  // A close reason is at most 123 bytes.
  const lanyardReason = explained ? `${reason}: ${message}` : reason;
  const text = truncate(session.dialect === "lanyard" ? lanyardReason : message, 123);
  effects.push({ kind: "close", code, reason: text });
  return { session: { ...session, subscription: { kind: "none" }, closed: true }, effects };
}

function dropAll(session: SocketSession): Effect[] {
  const sub = session.subscription;
  if (sub.kind === "all") return [{ kind: "unsubscribe", target: "all" }];
  if (sub.kind === "ids" && sub.ids.length > 0) return [{ kind: "unsubscribe", target: sub.ids }];
  return [];
}

function allAllowed(config: SocketConfig, hub: HubContext): boolean {
  return hub.allSubscribers < config.maxAllSubscribersPerHub;
}

function issueText(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (!issue) return "Invalid payload.";
  return issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function truncate(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength <= maxBytes) return text;
  // Cut on a character boundary: decoding a cut sequence would end with a replacement character.
  let end = maxBytes;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
