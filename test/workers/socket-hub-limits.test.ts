import { beforeAll, describe, expect, it } from "vitest";
import { ingest, joined } from "./helpers.ts";
import { connected, eventually, status, type TestSocket, watchers } from "./socket-client.ts";

/**
 * Bad input over real sockets: each gets its defined ERROR or close, never disturbs a neighbour on
 * the same hub, and never leaves the hub watching a user no socket wants.
 */

const uid = (n: number) => `75000000000000${String(n).padStart(4, "0")}`;
const HUB = "hub-1";
/** The neighbour's user, also subscribed by every victim. */
const SHARED = uid(1);
/** Each case's own user, subscribed only by its victim. */
const own = (n: number) => uid(100 + n);
const CASES = 80;

let neighbour: TestSocket;
let statuses = 0;
/** The shared user's next status: always a change from the last. */
const nextStatus = () => (["idle", "dnd", "online"] as const)[statuses++ % 3]!;

beforeAll(async () => {
  const users = [SHARED, ...Array.from({ length: CASES }, (_, n) => own(n))];
  expect((await ingest(users.map((id, n) => joined(id, `user${n}`)))).status).toBe(200);
  neighbour = await connected("", { hub: HUB });
  neighbour.send({ op: 2, d: { user_id: SHARED } });
  expect(await neighbour.next()).toMatchObject({ t: "INIT_ACK" });
});

/** The neighbour still hears the shared user, and the hub still watches them. */
async function neighbourUnharmed() {
  const value = nextStatus();
  await ingest([status(SHARED, value)]);
  expect(await neighbour.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: value } });
  expect(await watchers(SHARED)).toEqual([HUB]);
}

type Dialect = "none" | "lantern" | "lanyard";
let cases = 0;

/** A socket on the neighbour's hub, initialised in `dialect` on its own user and the shared one. */
async function victim(dialect: Dialect) {
  const n = cases++;
  const socket = await connected("", { hub: HUB });
  if (dialect === "lantern") {
    socket.send({ op: 2, d: { user_ids: [own(n), SHARED] } });
    expect(await socket.next()).toMatchObject({ t: "INIT_ACK" });
  }
  if (dialect === "lanyard") {
    socket.send({ op: 2, d: { subscribe_to_ids: [own(n), SHARED] } });
    expect(await socket.next()).toMatchObject({ t: "INIT_STATE" });
  }
  if (dialect !== "none") expect(await watchers(own(n))).toEqual([HUB]);
  return { socket, user: own(n) };
}

const binaryFrame = () => new TextEncoder().encode('{"op":4}').buffer as ArrayBuffer;
/** A text frame of exactly `bytes` UTF-8 bytes (Lantern heartbeat with padding). */
const sized = (bytes: number, char = "x") => {
  const frame = `{"op":4,"d":"${char.repeat(Math.floor((bytes - 15) / new TextEncoder().encode(char).length))}"}`;
  return frame + " ".repeat(bytes - new TextEncoder().encode(frame).length);
};
const manyIds = (count: number, from = 5000) => Array.from({ length: count }, (_, n) => uid(from + n));

/** Sent on a fresh socket, with the close it ends in (and, once Lantern, the DISCONNECT first). */
interface Fatal {
  name: string;
  dialect: Dialect;
  frames: unknown[];
  code: number;
  reason: string;
  /** Lantern: the DISCONNECT's message, sent before the close. */
  disconnect?: string;
  /** Frames answered before the fatal one. */
  answers?: number;
}

const fatal: Fatal[] = [
  // Before INIT the dialect is unknown: the close reason carries the message, no frame before it.
  { name: "invalid JSON", dialect: "none", frames: ["{op:2"], code: 4006, reason: "Invalid JSON." },
  ...["[1]", "42", "null", '"op"'].map((frame) => ({
    name: `non-object JSON ${frame}`,
    dialect: "none" as const,
    frames: [frame],
    code: 4006,
    reason: "A message must be a JSON object.",
  })),
  {
    name: "binary frame",
    dialect: "none",
    frames: [binaryFrame()],
    code: 4006,
    reason: "Binary frames are not supported; send JSON text.",
  },
  { name: "unknown op", dialect: "none", frames: [{ op: 99 }], code: 4004, reason: "Invalid opcode." },
  { name: "server-only op", dialect: "none", frames: [{ op: 6 }], code: 4004, reason: "Invalid opcode." },
  { name: "op as a string", dialect: "none", frames: [{ op: "2" }], code: 4004, reason: "Invalid opcode." },
  {
    name: "INIT without d",
    dialect: "none",
    frames: [{ op: 2 }],
    code: 4005,
    reason: "INIT requires a non-empty object d.",
  },
  {
    name: "INIT mixing dialects",
    dialect: "none",
    frames: [{ op: 2, d: { user_id: SHARED, subscribe_to_id: SHARED } }],
    code: 4006,
    reason: "INIT mixes Lantern's and Lanyard's keys.",
  },
  {
    name: "INIT with neither dialect's keys",
    dialect: "none",
    frames: [{ op: 2, d: { id: SHARED } }],
    code: 4006,
    reason: "INIT needs user_id or user_ids (Lantern) or subscribe_to_* (Lanyard).",
  },
  {
    name: "oversized frame before INIT",
    dialect: "none",
    frames: [sized(4097)],
    code: 1009,
    reason: "Message too large: at most 4096 bytes.",
  },
  {
    name: "flood before INIT",
    dialect: "none",
    frames: Array.from({ length: 121 }, () => ({ op: 3 })),
    code: 4008,
    reason: "Too many messages: at most 120 per 60 s.",
  },
  // Lantern INIT that cannot be honoured ends the socket with DISCONNECT first.
  ...[5, "12345", "not-an-id"].map((id) => ({
    name: `Lantern INIT with user_id ${JSON.stringify(id)}`,
    dialect: "none" as const,
    frames: [{ op: 2, d: { user_id: id } }],
    code: 4006,
    reason: 'user_id: must be a Discord id (17 to 20 digits) or "All"',
    disconnect: 'user_id: must be a Discord id (17 to 20 digits) or "All"',
  })),
  {
    name: "Lantern INIT with a malformed id in user_ids",
    dialect: "none",
    frames: [{ op: 2, d: { user_ids: [SHARED, "12345"] } }],
    code: 4006,
    reason: "user_ids.1: must be a Discord id (17 to 20 digits)",
    disconnect: "user_ids.1: must be a Discord id (17 to 20 digits)",
  },
  {
    name: "Lantern INIT of 101 ids",
    dialect: "none",
    frames: [{ op: 2, d: { user_ids: manyIds(101) } }],
    code: 4007,
    reason: "At most 100 users can be subscribed per socket; this would make 101.",
    disconnect: "At most 100 users can be subscribed per socket; this would make 101.",
  },
  // Lantern after INIT.
  {
    name: "Lantern unknown op",
    dialect: "lantern",
    frames: [{ op: 99 }],
    code: 4004,
    reason: "Invalid opcode.",
    disconnect: "Invalid opcode.",
  },
  ...[1, 3, 5, 6, 7, 8, 9, 10, 11, 13, 15].map((op) => ({
    name: `Lantern server-only op ${op}`,
    dialect: "lantern" as const,
    frames: [{ op }],
    code: 4004,
    reason: "You are not allowed to send this opcode to the server.",
    disconnect: "You are not allowed to send this opcode to the server.",
  })),
  {
    name: "Lantern oversized frame",
    dialect: "lantern",
    frames: [sized(4097)],
    code: 1009,
    reason: "Message too large: at most 4096 bytes.",
    disconnect: "Message too large: at most 4096 bytes.",
  },
  {
    name: "Lantern oversized in UTF-8 but not in characters",
    dialect: "lantern",
    frames: [sized(4098, "é")],
    code: 1009,
    reason: "Message too large: at most 4096 bytes.",
    disconnect: "Message too large: at most 4096 bytes.",
  },
  {
    // The INIT was the first frame of the window: 119 more are answered, the next is one too many.
    name: "Lantern flood",
    dialect: "lantern",
    frames: Array.from({ length: 120 }, () => ({ op: 4, d: null })),
    answers: 119,
    code: 4008,
    reason: "Too many messages: at most 120 per 60 s.",
    disconnect: "Too many messages: at most 120 per 60 s.",
  },
  // Lanyard: the close alone, its snake_case reason.
  {
    name: "Lanyard unknown op",
    dialect: "lanyard",
    frames: [{ op: 1 }],
    code: 4004,
    reason: "unknown_opcode",
  },
  { name: "Lanyard invalid JSON", dialect: "lanyard", frames: ["{"], code: 4006, reason: "invalid_payload" },
  {
    name: "Lanyard binary",
    dialect: "lanyard",
    frames: [binaryFrame()],
    code: 4006,
    reason: "invalid_payload",
  },
  {
    name: "Lanyard unsubscribe with an empty d",
    dialect: "lanyard",
    frames: [{ op: 4, d: {} }],
    code: 4005,
    reason: "requires_data_object",
  },
  {
    name: "Lanyard unsubscribe with a bad d",
    dialect: "lanyard",
    frames: [{ op: 4, d: { unsubscribe_from_all: false } }],
    code: 4006,
    reason: "invalid_payload",
  },
  {
    name: "Lanyard over 100 ids across op 2s",
    dialect: "lanyard",
    frames: [{ op: 2, d: { subscribe_to_ids: manyIds(99) } }],
    code: 4007,
    reason: "too_many_ids: At most 100 users can be subscribed per socket; this would make 101.",
  },
  {
    name: "Lanyard subscribe_to_id that is not a Discord id",
    dialect: "lanyard",
    frames: [{ op: 2, d: { subscribe_to_id: "12345" } }],
    code: 4006,
    reason: "invalid_user_id: subscribe_to_id: must be a Discord id (17 to 20 digits)",
  },
  {
    name: "Lanyard subscribe_to_ids with one that is not a Discord id",
    dialect: "lanyard",
    frames: [{ op: 2, d: { subscribe_to_ids: [SHARED, "not-an-id"] } }],
    code: 4006,
    reason: "invalid_user_id: subscribe_to_ids.1: must be a Discord id (17 to 20 digits)",
  },
  {
    name: "Lanyard oversized frame",
    dialect: "lanyard",
    frames: [sized(4097)],
    code: 1009,
    reason: "message_too_big",
  },
  {
    name: "Lanyard flood",
    dialect: "lanyard",
    frames: Array.from({ length: 120 }, () => ({ op: 3 })),
    code: 4008,
    reason: "rate_limited",
  },
];

describe("bad input that ends the socket", () => {
  it.each(fatal)("$name → $code", async ({ dialect, frames, code, reason, disconnect, answers = 0 }) => {
    const { socket, user } = await victim(dialect);
    for (const frame of frames) socket.send(frame);
    for (let n = 0; n < answers; n++) expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    if (disconnect !== undefined) {
      const frame = await socket.next();
      expect(frame).toEqual({ t: "DISCONNECT", op: 9, d: { error: disconnect, reason: disconnect } });
    }
    expect(await socket.closed).toEqual({ code, reason });
    expect(socket.pending()).toBe(0);
    if (dialect !== "none") await eventually(() => watchers(user), []);
    await neighbourUnharmed();
  });
});

/** Sent on a fresh Lantern socket: answered by ERROR, and the socket carries on. */
const recoverable: { name: string; frame: unknown; error: string | RegExp }[] = [
  { name: "invalid JSON", frame: "{op:4", error: "Invalid JSON." },
  ...["[]", "0", "null", '"x"', "true"].map((frame) => ({
    name: `non-object JSON ${frame}`,
    frame,
    error: "A message must be a JSON object.",
  })),
  { name: "binary frame", frame: binaryFrame(), error: "Binary frames are not supported; send JSON text." },
  {
    name: "SUBSCRIBE with an empty d",
    frame: { op: 12, d: {} },
    error: "Either user_id or user_ids must be provided.",
  },
  {
    name: "SUBSCRIBE with both keys",
    frame: { op: 12, d: { user_id: SHARED, user_ids: [SHARED] } },
    error: "Only one of user_id or user_ids can be provided.",
  },
  {
    name: "SUBSCRIBE with a malformed id",
    frame: { op: 12, d: { user_id: "12" } },
    error: 'user_id: must be a Discord id (17 to 20 digits) or "All"',
  },
  {
    name: "SUBSCRIBE with a malformed id in user_ids",
    frame: { op: 12, d: { user_ids: ["x"] } },
    error: "user_ids.0: must be a Discord id (17 to 20 digits)",
  },
  { name: "SUBSCRIBE without d", frame: { op: 12 }, error: /./ },
  {
    name: "UNSUBSCRIBE with empty user_ids",
    frame: { op: 14, d: { user_ids: [] } },
    error: "user_ids: must list at least one id",
  },
  {
    name: "SUBSCRIBE over 100 ids",
    frame: { op: 12, d: { user_ids: manyIds(99) } },
    error: "At most 100 users can be subscribed per socket; this would make 101.",
  },
];

describe("bad input Lantern answers with ERROR", () => {
  it.each(recoverable)("$name", async ({ frame, error }) => {
    const { socket, user } = await victim("lantern");
    socket.send(frame);
    const answer = await socket.next();
    expect(answer).toMatchObject({ t: "ERROR", op: 11 });
    if (typeof error === "string") expect(answer.d).toBe(error);
    else expect(answer.d).toMatch(error);
    // Nothing changed: the socket still hears its users, and the hub still watches them.
    await ingest([status(user, "idle")]);
    expect(await socket.next()).toMatchObject({ t: "PRESENCE_UPDATE", d: { status: "idle" } });
    expect(await watchers(user)).toEqual([HUB]);
    await neighbourUnharmed();
    socket.ws.close(1000);
  });
});

describe("limits at their edge", () => {
  it("a frame of exactly 4096 bytes and 120 frames in a window are fine", async () => {
    const { socket } = await victim("lantern");
    socket.send(sized(4096));
    expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    for (let n = 0; n < 118; n++) socket.send({ op: 4, d: null });
    for (let n = 0; n < 118; n++) expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    // The runtime's own answers are not counted.
    for (let n = 0; n < 5; n++) socket.send('{"op":4}');
    for (let n = 0; n < 5; n++) expect(await socket.next()).toEqual({ t: "HEARTBEAT_ACK", op: 5 });
    await socket.silent(50);
    expect(socket.isClosed()).toBe(false);
  });

  it("INIT of exactly 100 ids is accepted", async () => {
    const ids = manyIds(100, 7000);
    const socket = await connected("", { hub: HUB });
    socket.send({ op: 2, d: { subscribe_to_ids: ids } });
    // None of them is monitored: an empty state, and none stays watched.
    expect(await socket.next()).toEqual({ op: 0, t: "INIT_STATE", d: {} });
    await eventually(async () => (await Promise.all(ids.map(watchers))).flat(), []);
    socket.send({ op: 2, d: { subscribe_to_id: SHARED } });
    expect(await socket.next()).toMatchObject({ t: "INIT_STATE", d: { discord_user: { id: SHARED } } });
  });
});
