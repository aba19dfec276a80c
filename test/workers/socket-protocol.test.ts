import { describe, expect, it } from "vitest";
import {
  AUTO_RESPONSE,
  hello,
  lanternFrames,
  lanyardFrames,
} from "../../durable-objects/socket-hub/frames.ts";
import {
  CLOSE,
  DEFAULT_SOCKET_CONFIG,
  HEARTBEAT_INTERVAL_MS,
  MAX_ALL_SUBSCRIBERS_PER_HUB,
  MAX_ATTACHMENT_BYTES,
  socketConfig,
} from "../../durable-objects/socket-hub/limits.ts";
import {
  deadline,
  interest,
  open,
  receive,
  release,
  type SocketSession,
  tick,
} from "../../durable-objects/socket-hub/protocol.ts";
import * as socket from "../../schemas/socket.ts";
import { type Env, socketConfigOf } from "../../settings/env.ts";
import {
  ADA,
  CONFIG,
  closeOf,
  connect,
  GRACE,
  idN,
  initialised,
  LINUS,
  MONITORED,
  recv,
  sent,
  T0,
  URL_PLAIN,
  URL_ZLIB,
} from "./socket-protocol-helpers.ts";

const LANTERN_INIT = { op: 2, d: { user_id: ADA } };
const LANYARD_INIT = { op: 2, d: { subscribe_to_id: ADA } };

describe("open", () => {
  it("sends one HELLO that is both dialects' hello", () => {
    const { session, effects } = open(URL_PLAIN, T0, CONFIG);
    expect(effects).toEqual([
      { kind: "send", frame: '{"t":"HELLO","op":1,"d":{"heartbeat_interval":30000}}', compress: false },
    ]);
    expect(session).toEqual({
      dialect: null,
      subscription: { kind: "none" },
      compress: false,
      connectedAt: T0,
      lastFrameAt: T0,
      windowStart: T0,
      windowCount: 0,
      closed: false,
    });
    expect(socket.SocketHello.parse(JSON.parse(hello(HEARTBEAT_INTERVAL_MS)))).toBeTruthy();
  });

  it.each([
    [URL_ZLIB, true],
    [new URL(URL_ZLIB), true],
    ["/socket?compression=zlib_json", true],
    ["https://porchlight.test/socket?compression=zlib", false],
    ["https://porchlight.test/socket?compression=ZLIB_JSON", false],
    [URL_PLAIN, false],
  ])("compression from %s: %s", (url, compress) => {
    const { session, effects } = open(url, T0, CONFIG);
    expect(session.compress).toBe(compress);
    expect(effects[0]).toMatchObject({ kind: "send", compress });
  });

  it("a session is plain JSON", () => {
    const session = initialised({ op: 2, d: { user_ids: [ADA, LINUS] } });
    expect(JSON.parse(JSON.stringify(session))).toEqual(session);
  });
});

describe("before INIT", () => {
  const heartbeatAck = lanternFrames.heartbeatAck();

  it("the auto-response pair is Lantern's bare heartbeat and its ack", () => {
    expect(AUTO_RESPONSE).toEqual({ request: '{"op":4}', response: '{"t":"HEARTBEAT_ACK","op":5}' });
    expect(recv(connect(), AUTO_RESPONSE.request).effects).toEqual([
      { kind: "send", frame: AUTO_RESPONSE.response, compress: false },
    ]);
  });

  it.each([
    ["Lantern heartbeat", { op: 4 }, [heartbeatAck]],
    ["Lantern heartbeat with its name", { t: "HEARTBEAT", op: 4 }, [heartbeatAck]],
    ["Lantern heartbeat with a d", { op: 4, d: { anything: 1 } }, [heartbeatAck]],
    ["Lanyard heartbeat", { op: 3 }, []],
    ["Lanyard unsubscribe", { op: 4, d: { unsubscribe_from_id: ADA } }, []],
    ["SUBSCRIBE", { op: 12, d: { user_id: ADA } }, [lanternFrames.error("Send INIT (op 2) first.")]],
    ["UNSUBSCRIBE", { op: 14, d: { user_id: ADA } }, [lanternFrames.error("Send INIT (op 2) first.")]],
  ])("%s is answered and keeps the socket", (_, frame, frames) => {
    const { session, effects } = recv(connect(), frame);
    expect(effects.map((effect) => (effect.kind === "send" ? effect.frame : effect))).toEqual(frames);
    expect(session.closed).toBe(false);
    expect(session.dialect).toBeNull();
  });

  it.each([
    ["op 1", { op: 1 }, CLOSE.UNKNOWN_OPCODE.code],
    ["op 5", { op: 5 }, CLOSE.UNKNOWN_OPCODE.code],
    ["op 0", { op: 0 }, CLOSE.UNKNOWN_OPCODE.code],
    ["op 99", { op: 99 }, CLOSE.UNKNOWN_OPCODE.code],
    ['op "2"', { op: "2", d: { user_id: ADA } }, CLOSE.UNKNOWN_OPCODE.code],
    ["no op", { d: { user_id: ADA } }, CLOSE.UNKNOWN_OPCODE.code],
    ["not JSON", "{op: 2", CLOSE.INVALID_PAYLOAD.code],
    ["JSON null", "null", CLOSE.INVALID_PAYLOAD.code],
    ["a JSON array", "[2]", CLOSE.INVALID_PAYLOAD.code],
    ["a JSON number", "2", CLOSE.INVALID_PAYLOAD.code],
    [
      "a binary frame",
      new TextEncoder().encode(JSON.stringify(LANTERN_INIT)).buffer,
      CLOSE.INVALID_PAYLOAD.code,
    ],
    ["INIT without d", { op: 2 }, CLOSE.REQUIRES_DATA_OBJECT.code],
    ["INIT with d null", { op: 2, d: null }, CLOSE.REQUIRES_DATA_OBJECT.code],
    ["INIT with d an array", { op: 2, d: [ADA] }, CLOSE.REQUIRES_DATA_OBJECT.code],
    ["INIT with d a string", { op: 2, d: ADA }, CLOSE.REQUIRES_DATA_OBJECT.code],
    ["INIT with d empty", { op: 2, d: {} }, CLOSE.REQUIRES_DATA_OBJECT.code],
    ["INIT with unknown keys only", { op: 2, d: { id: ADA } }, CLOSE.INVALID_PAYLOAD.code],
    [
      "INIT mixing dialects",
      { op: 2, d: { user_id: ADA, subscribe_to_id: ADA } },
      CLOSE.INVALID_PAYLOAD.code,
    ],
  ])("%s closes with its code and no frame (dialect unknown)", (_, frame, code) => {
    const { session, effects } = recv(connect(), frame as object);
    expect(sent(effects)).toEqual([]);
    expect(closeOf(effects)?.code).toBe(code);
    expect(session.closed).toBe(true);
    expect(effects.filter((effect) => effect.kind === "subscribe" || effect.kind === "ack")).toEqual([]);
  });

  it.each([
    ["user_id", { user_id: ADA }, "lantern"],
    ["user_ids", { user_ids: [ADA] }, "lantern"],
    ["user_id All", { user_id: "All" }, "lantern"],
    ["subscribe_to_id", { subscribe_to_id: ADA }, "lanyard"],
    ["subscribe_to_ids", { subscribe_to_ids: [ADA] }, "lanyard"],
    ["subscribe_to_all", { subscribe_to_all: true }, "lanyard"],
  ])("INIT with %s decides the dialect: %s", (_, d, dialect) => {
    const { session } = recv(connect(), { op: 2, d });
    expect(session.dialect).toBe(dialect);
  });

  it("INIT in the same millisecond as HELLO (before the client read it) is fine", () => {
    const { session, effects } = receive(connect(), JSON.stringify(LANYARD_INIT), T0, CONFIG);
    expect(session.dialect).toBe("lanyard");
    expect(effects.map((effect) => effect.kind)).toEqual(["subscribe", "ack"]);
  });
});

describe("frame size", () => {
  /** A Lanyard heartbeat padded to exactly `bytes` bytes of UTF-8. */
  const padded = (bytes: number, char = "x") => {
    const shell = '{"op":3,"d":""}';
    const unit = new TextEncoder().encode(char).byteLength;
    const count = Math.floor((bytes - shell.length) / unit);
    const text = `{"op":3,"d":"${char.repeat(count)}${"x".repeat(bytes - shell.length - count * unit)}"}`;
    expect(new TextEncoder().encode(text).byteLength).toBe(bytes);
    return text;
  };

  it.each([
    ["ASCII", "x"],
    ["two-byte", "é"],
    ["three-byte", "€"],
    ["four-byte", "😀"],
  ])("%s text: exactly maxFrameBytes passes, one byte more closes with 1009", (_, char) => {
    const lanyard = initialised(LANYARD_INIT);
    expect(recv(lanyard, padded(CONFIG.maxFrameBytes, char)).effects).toEqual([]);
    const over = recv(lanyard, padded(CONFIG.maxFrameBytes + 1, char));
    expect(closeOf(over.effects)).toEqual({ code: 1009, reason: "message_too_big" });
    expect(over.effects).toContainEqual({ kind: "unsubscribe", target: [ADA] });
  });

  it("binary frames are measured too", () => {
    const over = recv(initialised(LANYARD_INIT), new ArrayBuffer(CONFIG.maxFrameBytes + 1));
    expect(closeOf(over.effects)?.code).toBe(1009);
  });

  it("a Lantern socket gets DISCONNECT before 1009", () => {
    const { effects } = recv(initialised(LANTERN_INIT), "x".repeat(CONFIG.maxFrameBytes + 1));
    expect(sent(effects)).toEqual([
      {
        t: "DISCONNECT",
        op: 9,
        d: { error: expect.stringContaining("4096 bytes"), reason: expect.any(String) },
      },
    ]);
    expect(closeOf(effects)?.code).toBe(1009);
  });

  it("an INIT of maxIdsPerSocket twenty-digit ids fits, in both dialects", () => {
    const ids = Array.from({ length: CONFIG.maxIdsPerSocket }, (_, n) => idN(n));
    for (const d of [{ user_ids: ids }, { subscribe_to_ids: ids }]) {
      const frame = JSON.stringify({ op: 2, d });
      expect(frame.length).toBeLessThanOrEqual(CONFIG.maxFrameBytes);
      const { session } = recv(connect(), frame);
      expect(session.closed).toBe(false);
      expect(session.subscription).toEqual({ kind: "ids", ids });
      // The hibernation attachment limit, with room to spare.
      expect(JSON.stringify(session).length).toBeLessThan(3000);
      expect(JSON.stringify(session).length).toBeLessThan(MAX_ATTACHMENT_BYTES);
    }
  });
});

describe("floods", () => {
  const heartbeat = '{"op":3}';

  it("floodMaxMessages frames in a window pass; one more closes with 4008", () => {
    let session = initialised(LANYARD_INIT);
    const start = session.windowStart + CONFIG.floodWindowMs; // a fresh window
    for (let n = 0; n < CONFIG.floodMaxMessages; n++) {
      const step = receive(session, heartbeat, start + n, CONFIG);
      expect(step.effects).toEqual([]);
      session = step.session;
    }
    const over = receive(session, heartbeat, start + CONFIG.floodMaxMessages, CONFIG);
    expect(closeOf(over.effects)).toEqual({ code: 4008, reason: "rate_limited" });
    expect(over.effects).toContainEqual({ kind: "unsubscribe", target: [ADA] });
  });

  it("the window resets once it has passed", () => {
    let session = connect();
    for (let n = 0; n < CONFIG.floodMaxMessages; n++)
      session = receive(session, heartbeat, T0 + n, CONFIG).session;
    expect(closeOf(receive(session, heartbeat, T0 + CONFIG.floodWindowMs - 1, CONFIG).effects)?.code).toBe(
      4008,
    );
    const next = receive(session, heartbeat, T0 + CONFIG.floodWindowMs, CONFIG);
    expect(next.effects).toEqual([]);
    expect(next.session).toMatchObject({ windowStart: T0 + CONFIG.floodWindowMs, windowCount: 1 });
  });

  it("a Lantern socket gets DISCONNECT, then 4008; every frame counts, bad ones too", () => {
    let session = initialised(LANTERN_INIT);
    const start = session.windowStart + CONFIG.floodWindowMs;
    for (let n = 0; n < CONFIG.floodMaxMessages; n++)
      session = receive(session, "garbage", start, CONFIG).session;
    const { effects } = receive(session, "garbage", start, CONFIG);
    expect(sent(effects)[0]).toMatchObject({
      op: 9,
      d: { error: "Too many messages: at most 120 per 60 s." },
    });
    expect(closeOf(effects)?.code).toBe(4008);
  });
});

describe("timeouts", () => {
  const grace = CONFIG.heartbeatIntervalMs * 2;

  it("the heartbeat grace is two intervals: 60 s", () => {
    expect(grace).toBe(60_000);
  });

  it.each([
    ["Lantern", LANTERN_INIT],
    ["Lanyard", LANYARD_INIT],
  ])("%s: alive at two intervals (and − 1 ms) after the last frame, closed 1 ms later", (dialect, init) => {
    const session = initialised(init);
    const last = session.lastFrameAt;
    expect(tick(session, last + grace - 1, CONFIG).effects).toEqual([]);
    expect(tick(session, last + grace, CONFIG).effects).toEqual([]);
    const { effects, session: after } = tick(session, last + grace + 1, CONFIG);
    expect(closeOf(effects)?.code).toBe(4009);
    expect(after.closed).toBe(true);
    expect(effects).toContainEqual({ kind: "unsubscribe", target: [ADA] });
    if (dialect === "Lantern") {
      expect(sent(effects)).toEqual([
        { t: "DISCONNECT", op: 9, d: { error: "Connection timed out.", reason: "Connection timed out." } },
      ]);
    } else {
      expect(sent(effects)).toEqual([]);
      expect(closeOf(effects)?.reason).toBe("session_timeout");
    }
  });

  it("any frame renews the heartbeat, and so does the runtime's auto-response", () => {
    let session = initialised(LANTERN_INIT);
    session = recv(session, { t: "HEARTBEAT", op: 4 }, T0 + 50_000).session;
    expect(tick(session, T0 + 50_000 + grace, CONFIG).effects).toEqual([]);
    const autoResponseAt = T0 + 100_000;
    expect(tick(session, autoResponseAt + grace, CONFIG, autoResponseAt).effects).toEqual([]);
    expect(closeOf(tick(session, autoResponseAt + grace + 1, CONFIG, autoResponseAt).effects)?.code).toBe(
      4009,
    );
    expect(deadline(session, CONFIG, autoResponseAt)).toBe(autoResponseAt + grace + 1);
  });

  it("no INIT within initTimeoutMs closes with 4001 and no frame, heartbeats or not", () => {
    let session = connect();
    session = recv(session, { op: 4 }, T0 + 5_000).session;
    expect(tick(session, T0 + CONFIG.initTimeoutMs, CONFIG).effects).toEqual([]);
    const { effects } = tick(session, T0 + CONFIG.initTimeoutMs + 1, CONFIG);
    expect(effects).toEqual([
      { kind: "close", code: 4001, reason: "No INIT within 10000 ms of connecting." },
    ]);
    expect(deadline(session, CONFIG)).toBe(T0 + CONFIG.initTimeoutMs + 1);
  });

  it("after INIT the INIT timeout no longer applies", () => {
    const session = initialised(LANYARD_INIT);
    expect(tick(session, T0 + CONFIG.initTimeoutMs + 1, CONFIG).effects).toEqual([]);
    expect(deadline(session, CONFIG)).toBe(session.lastFrameAt + grace + 1);
  });

  it("a closed session has no deadline and no more effects", () => {
    const { session } = tick(connect(), T0 + CONFIG.initTimeoutMs + 1, CONFIG);
    expect(deadline(session, CONFIG)).toBeNull();
    expect(tick(session, T0 + 10 * grace, CONFIG).effects).toEqual([]);
    expect(recv(session, LANTERN_INIT).effects).toEqual([]);
    expect(release(session).effects).toEqual([]);
  });
});

describe("All is set by configuration", () => {
  const lantern = { op: 2, d: { user_id: "All" } };
  const lanyard = { op: 2, d: { subscribe_to_all: true } };

  it.each([
    ["Lantern", lantern],
    ["Lanyard", lanyard],
  ])("%s: on by default, up to MAX_ALL_SUBSCRIBERS_PER_HUB sockets per hub", (_, init) => {
    const cap = DEFAULT_SOCKET_CONFIG.maxAllSubscribersPerHub;
    expect(cap).toBe(MAX_ALL_SUBSCRIBERS_PER_HUB);
    expect(cap).toBeGreaterThan(0);
    const last = recv(connect(), init, T0 + 1, DEFAULT_SOCKET_CONFIG, cap - 1);
    expect(last.session.subscription).toEqual({ kind: "all" });
    const over = recv(connect(), init, T0 + 1, DEFAULT_SOCKET_CONFIG, cap);
    expect(closeOf(over.effects)?.code).toBe(4010);
  });

  it("a cap of 0 turns All off: INIT closes with 4010 in both dialects, SUBSCRIBE gets an ERROR", () => {
    const off = socketConfig({ maxAllSubscribersPerHub: 0 });
    const byLanyard = recv(connect(), lanyard, T0 + 1, off);
    expect(closeOf(byLanyard.effects)).toEqual({ code: 4010, reason: "all_not_allowed" });
    const byLantern = recv(connect(), lantern, T0 + 1, off);
    expect(closeOf(byLantern.effects)?.code).toBe(4010);
    expect(sent(byLantern.effects)[0]).toMatchObject({ t: "DISCONNECT", op: 9 });
    const onIds = initialised({ op: 2, d: { user_id: ADA } });
    const subscribe = recv(onIds, { op: 12, d: { user_id: "All" } }, T0 + 2, off);
    expect(subscribe.session.subscription).toEqual(onIds.subscription);
    expect(sent(subscribe.effects)).toEqual([expect.objectContaining({ t: "ERROR", op: 11 })]);
    expect(closeOf(subscribe.effects)).toBeNull();
  });

  it("SOCKET_ALL_PER_HUB sets the cap; unset or empty keeps the default, 0 turns All off", () => {
    const cap = (value: string | undefined) =>
      socketConfigOf({ SOCKET_ALL_PER_HUB: value } as Env).maxAllSubscribersPerHub;
    expect(cap(undefined)).toBe(MAX_ALL_SUBSCRIBERS_PER_HUB);
    expect(cap("")).toBe(MAX_ALL_SUBSCRIBERS_PER_HUB);
    expect(cap("0")).toBe(0);
    expect(cap("3")).toBe(3);
    expect(() => cap("-1")).toThrow(/maxAllSubscribersPerHub/);
    expect(() => cap("two")).toThrow(/maxAllSubscribersPerHub/);
  });

  it.each([
    ["Lantern", lantern],
    ["Lanyard", lanyard],
  ])("%s: allowed below the per-hub cap, refused at it", (_, init) => {
    const below = recv(connect(), init, T0 + 1, CONFIG, CONFIG.maxAllSubscribersPerHub - 1);
    expect(below.session.subscription).toEqual({ kind: "all" });
    const at = recv(connect(), init, T0 + 1, CONFIG, CONFIG.maxAllSubscribersPerHub);
    expect(closeOf(at.effects)?.code).toBe(4010);
    expect(at.effects.some((effect) => effect.kind === "subscribe")).toBe(false);
  });
});

describe("release and interest", () => {
  it("release drops the session's interest once", () => {
    const session = initialised({ op: 2, d: { user_ids: [ADA, LINUS] } });
    const released = release(session);
    expect(released.effects).toEqual([{ kind: "unsubscribe", target: [ADA, LINUS] }]);
    expect(released.session).toMatchObject({ closed: true, subscription: { kind: "none" } });
    expect(release(released.session).effects).toEqual([]);
    expect(release(initialised({ op: 2, d: { subscribe_to_all: true } })).effects).toEqual([
      { kind: "unsubscribe", target: "all" },
    ]);
  });

  it("interest is the union of open sessions' subscriptions", () => {
    const sessions: SocketSession[] = [
      initialised({ op: 2, d: { user_ids: [ADA, LINUS] } }),
      initialised({ op: 2, d: { subscribe_to_ids: [LINUS, GRACE] } }),
      initialised({ op: 2, d: { subscribe_to_all: true } }),
      release(initialised({ op: 2, d: { user_id: "1242085512530251808" } })).session,
      connect(),
    ];
    expect(interest(sessions)).toEqual({ allSubscribers: 1, ids: new Set([ADA, LINUS, GRACE]) });
  });
});

describe("configuration", () => {
  it("socketConfig applies overrides to the defaults", () => {
    expect(socketConfig()).toEqual(DEFAULT_SOCKET_CONFIG);
    expect(
      socketConfig({ maxAllSubscribersPerHub: 3, initTimeoutMs: undefined }).maxAllSubscribersPerHub,
    ).toBe(3);
  });

  it.each([
    [{ maxIdsPerSocket: 0 }, /maxIdsPerSocket/],
    [{ heartbeatIntervalMs: 1.5 }, /heartbeatIntervalMs/],
    [{ floodWindowMs: -1 }, /floodWindowMs/],
    [{ maxAllSubscribersPerHub: -1 }, /maxAllSubscribersPerHub/],
    [{ maxFrameBytes: 1024 }, /cannot hold an INIT/],
  ])("refuses %o", (overrides, message) => {
    expect(() => socketConfig(overrides)).toThrow(message);
  });
});

describe("schemas", () => {
  const schemas = Object.entries(socket).filter(([, schema]) => schema.meta()?.example !== undefined);

  it.each(schemas)("%s: its example satisfies it", (_, schema) => {
    expect(() => schema.parse(schema.meta()?.example)).not.toThrow();
  });

  it.each([
    [socket.LanternClientFrame, { op: 2, d: { user_id: ADA } }],
    [socket.LanternClientFrame, { op: 2, d: { user_ids: [ADA, LINUS] } }],
    [socket.LanternClientFrame, { op: 2, d: { user_id: "All" } }],
    [socket.LanternClientFrame, { op: 2, d: { user_id: "ALL" } }],
    [socket.LanternClientFrame, { op: 4 }],
    [socket.LanternClientFrame, { t: "HEARTBEAT", op: 4 }],
    [socket.LanternClientFrame, { op: 12, d: { user_id: "all" } }],
    [socket.LanternClientFrame, { op: 14, d: { user_ids: [ADA] } }],
    [socket.LanyardClientFrame, { op: 2, d: { subscribe_to_id: ADA } }],
    [socket.LanyardClientFrame, { op: 2, d: { subscribe_to_ids: [ADA] } }],
    [socket.LanyardClientFrame, { op: 2, d: { subscribe_to_all: true } }],
    [socket.LanyardClientFrame, { op: 3 }],
    [socket.LanyardClientFrame, { op: 4, d: { unsubscribe_from_all: true } }],
  ])("accepts a valid client frame %#", (schema, frame) => {
    expect(schema.safeParse(frame).success).toBe(true);
  });

  it.each([
    [socket.LanternClientFrame, { op: 2, d: {} }],
    [socket.LanternClientFrame, { op: 2, d: { user_id: ADA, user_ids: [ADA] } }],
    [socket.LanternClientFrame, { op: 2, d: { user_ids: [] } }],
    [socket.LanternClientFrame, { op: 2, d: { user_id: "123" } }],
    [socket.LanternClientFrame, { op: 3 }],
    [socket.LanyardClientFrame, { op: 2, d: { subscribe_to_all: false } }],
    [socket.LanyardClientFrame, { op: 2, d: { subscribe_to_id: ADA, subscribe_to_ids: [ADA] } }],
    [socket.LanyardClientFrame, { op: 2, d: { subscribe_to_ids: [1] } }],
    [socket.LanyardClientFrame, { op: 4, d: { unsubscribe_from_all: false } }],
    [socket.LanyardClientFrame, { op: 5 }],
  ])("refuses an invalid client frame %#", (schema, frame) => {
    expect(schema.safeParse(frame).success).toBe(false);
  });

  it("every builder's frame satisfies its schema", () => {
    const ada = MONITORED.get(ADA)!;
    const lantern = [
      lanternFrames.heartbeatAck(),
      lanternFrames.initAck(ada.lantern),
      lanternFrames.initAck([ada.lantern]),
      lanternFrames.presenceUpdate(ada.lantern),
      lanternFrames.userLeft(ADA),
      lanternFrames.userJoined(ada.lantern),
      lanternFrames.disconnect("bye"),
      lanternFrames.storageUpdate(ada.lantern),
      lanternFrames.error("oops"),
      lanternFrames.subscribeAck([ada.lantern]),
      lanternFrames.unsubscribeAck(),
    ];
    for (const frame of lantern)
      expect(socket.LanternServerFrame.parse(JSON.parse(frame))).toEqual(JSON.parse(frame));
    const lanyard = [
      lanyardFrames.initState(ada.lanyard),
      lanyardFrames.initState({}),
      lanyardFrames.initState({ [ADA]: ada.lanyard }),
      lanyardFrames.presenceUpdate(ADA, ada.lanyard),
    ];
    for (const frame of lanyard)
      expect(socket.LanyardServerFrame.parse(JSON.parse(frame))).toEqual(JSON.parse(frame));
    expect(JSON.parse(lanyardFrames.presenceUpdate(ADA, ada.lanyard)).d.user_id).toBe(ADA);
  });
});
