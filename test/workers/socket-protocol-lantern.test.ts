import { describe, expect, it } from "vitest";
import { lanternFrames } from "../../durable-objects/socket-hub/frames.ts";
import { fanOut, type SocketSession, settleSubscription } from "../../durable-objects/socket-hub/protocol.ts";
import { LanternServerFrame } from "../../schemas/socket.ts";
import {
  ADA,
  acks,
  CONFIG,
  closeOf,
  connect,
  GHOST,
  GRACE,
  idN,
  initialised,
  LINUS,
  lookup,
  MONITORED,
  play,
  recv,
  sent,
  URL_ZLIB,
} from "./socket-protocol-helpers.ts";

const user = (id: string) => MONITORED.get(id)!.lantern;
const everyone = [...MONITORED.values()].map((payloads) => payloads.lantern);
const disconnect = (message: string) => ({ t: "DISCONNECT", op: 9, d: { error: message, reason: message } });
const error = (message: string) => ({ t: "ERROR", op: 11, d: message });

const INIT_ONE = { op: 2, d: { user_id: ADA } };
/** What a Lantern socket says of a user_id that is neither a Discord id nor "All": the field and its rule. */
const NOT_AN_ID = 'user_id: must be a Discord id (17 to 20 digits) or "All"';
const INIT_TWO = { op: 2, d: { user_ids: [ADA, LINUS] } };

describe("Lantern INIT", () => {
  it.each([
    ["user_id", { user_id: ADA }, [ADA], "single", user(ADA)],
    ["user_ids", { user_ids: [ADA, LINUS] }, [ADA, LINUS], "list", [user(ADA), user(LINUS)]],
    [
      "user_ids with a duplicate",
      { user_ids: [ADA, LINUS, ADA] },
      [ADA, LINUS],
      "list",
      [user(ADA), user(LINUS)],
    ],
    ["user_ids of one", { user_ids: [LINUS] }, [LINUS], "list", [user(LINUS)]],
    ['user_id "All"', { user_id: "All" }, "all", "all", everyone],
    ['user_id "ALL"', { user_id: "ALL" }, "all", "all", everyone],
    ['user_id "all"', { user_id: "all" }, "all", "all", everyone],
  ] as const)("%s: subscribe, ack, INIT_ACK", (_, d, target, shape, data) => {
    const step = recv(connect(), { op: 2, d });
    expect(step.effects).toEqual([
      { kind: "subscribe", target },
      { kind: "ack", op: "init", dialect: "lantern", target, shape },
    ]);
    expect(step.session.subscription).toEqual(
      target === "all" ? { kind: "all" } : { kind: "ids", ids: target },
    );
    const ack = acks(step.effects)[0]!;
    const settled = settleSubscription(step.session, ack, lookup(ack));
    expect(sent(settled.effects)).toEqual([{ t: "INIT_ACK", op: 3, d: data }]);
    expect(settled.session).toEqual(step.session);
    for (const frame of sent(settled.effects)) expect(() => LanternServerFrame.parse(frame)).not.toThrow();
  });

  it.each([
    ["a short id", { user_id: "123" }, NOT_AN_ID],
    ["a numeric id", { user_id: Number(ADA) }, NOT_AN_ID],
    ["a 21-digit id", { user_id: "1".repeat(21) }, NOT_AN_ID],
    ["user_id null", { user_id: null }, NOT_AN_ID],
    ["an empty list", { user_ids: [] }, "user_ids: must list at least one id"],
    ['"All" in a list', { user_ids: ["All"] }, "user_ids.0: must be a Discord id (17 to 20 digits)"],
    [
      "a bad id after good ones",
      { user_ids: [ADA, LINUS, "x"] },
      "user_ids.2: must be a Discord id (17 to 20 digits)",
    ],
    ["both keys", { user_id: ADA, user_ids: [LINUS] }, "Only one of user_id or user_ids can be provided."],
  ])("invalid (%s): DISCONNECT and 4006, both naming what is wrong", (_, d, message) => {
    const { session, effects } = recv(connect(), { op: 2, d });
    expect(sent(effects)).toEqual([disconnect(message)]);
    expect(closeOf(effects)).toEqual({ code: 4006, reason: message });
    expect(session).toMatchObject({ closed: true, subscription: { kind: "none" } });
  });

  it("over the id cap: DISCONNECT, then 4007; exactly the cap is fine", () => {
    const ids = Array.from({ length: CONFIG.maxIdsPerSocket + 1 }, (_, n) => idN(n));
    const over = recv(connect(), { op: 2, d: { user_ids: ids } });
    const message = "At most 100 users can be subscribed per socket; this would make 101.";
    expect(sent(over.effects)).toEqual([disconnect(message)]);
    expect(closeOf(over.effects)).toEqual({ code: 4007, reason: message });
    const at = recv(connect(), { op: 2, d: { user_ids: ids.slice(1) } });
    expect(at.session.subscription).toEqual({ kind: "ids", ids: ids.slice(1) });
  });

  it("All where not allowed: DISCONNECT, then 4010", () => {
    const { effects } = recv(connect(), { op: 2, d: { user_id: "All" } }, undefined, undefined, 2);
    expect(sent(effects)).toEqual([disconnect("Subscribing to all users is not allowed on this server.")]);
    expect(closeOf(effects)?.code).toBe(4010);
  });

  it("a second INIT gets ERROR and changes nothing (Lantern accepted it)", () => {
    const session = initialised(INIT_ONE);
    const again = recv(session, INIT_TWO);
    expect(sent(again.effects)).toEqual([
      error("Already initialised: INIT is accepted once per socket; use SUBSCRIBE (op 12)."),
    ]);
    expect(again.effects).toHaveLength(1);
    expect(again.session.subscription).toEqual(session.subscription);
  });
});

describe("Lantern users that are not monitored", () => {
  it("INIT of one unknown user: DISCONNECT, 4000, and no interest left", () => {
    const { session, effects } = play(connect(), [{ op: 2, d: { user_id: GHOST } }]);
    expect(effects).toEqual([
      { kind: "subscribe", target: [GHOST] },
      { kind: "unsubscribe", target: [GHOST] },
      {
        kind: "send",
        frame: lanternFrames.disconnect(
          `User ${GHOST} is not being monitored by Porchlight. No user left to watch. Connection closed.`,
        ),
        compress: false,
      },
      {
        kind: "close",
        code: 4000,
        reason: `User ${GHOST} is not being monitored by Porchlight. No user left to watch. Connection closed.`,
      },
    ]);
    expect(session).toMatchObject({ closed: true, subscription: { kind: "none" } });
  });

  it("INIT with some unknown: ERROR naming them, INIT_ACK with the rest, no orphan", () => {
    const other = "1888888888888888888";
    const { session, effects } = play(connect(), [{ op: 2, d: { user_ids: [GHOST, ADA, other] } }]);
    expect(effects).toContainEqual({ kind: "unsubscribe", target: [GHOST, other] });
    expect(sent(effects)).toEqual([
      error(`Users ${GHOST}, ${other} are not being monitored by Porchlight.`),
      { t: "INIT_ACK", op: 3, d: [user(ADA)] },
    ]);
    expect(session.subscription).toEqual({ kind: "ids", ids: [ADA] });
    expect(closeOf(effects)).toBeNull();
  });

  it("INIT with only unknown users: DISCONNECT and 4000", () => {
    const { effects } = play(connect(), [{ op: 2, d: { user_ids: [GHOST, "1888888888888888888"] } }]);
    expect(sent(effects)).toHaveLength(1);
    expect(sent(effects)[0]).toMatchObject({ op: 9 });
    expect(closeOf(effects)?.code).toBe(4000);
  });

  it("SUBSCRIBE of an unknown user: ERROR, no ack, subscription as before", () => {
    const { session, effects } = play(initialised(INIT_ONE), [{ op: 12, d: { user_id: GHOST } }]);
    expect(sent(effects)).toEqual([error(`User ${GHOST} is not being monitored by Porchlight.`)]);
    expect(session.subscription).toEqual({ kind: "ids", ids: [ADA] });
  });

  it("an ack settled on a closed session does nothing", () => {
    const step = recv(connect(), INIT_TWO);
    const closed = recv(step.session, { op: 1 }).session;
    expect(settleSubscription(closed, acks(step.effects)[0]!, MONITORED).effects).toEqual([]);
  });

  it("an ack settled after the client unsubscribed meanwhile works on the session as it is", () => {
    const step = recv(connect(), { op: 2, d: { user_ids: [ADA, LINUS, GHOST] } });
    const meanwhile = recv(step.session, { op: 14, d: { user_id: LINUS } });
    expect(sent(meanwhile.effects)).toEqual([{ t: "UNSUBSCRIBE_ACK", op: 15 }]);
    const ack = acks(step.effects)[0]!;
    const settled = settleSubscription(meanwhile.session, ack, lookup(ack));
    expect(settled.session.subscription).toEqual({ kind: "ids", ids: [ADA] });
    expect(settled.effects).toContainEqual({ kind: "unsubscribe", target: [GHOST] });
  });
});

describe("Lantern HEARTBEAT", () => {
  it.each([{ op: 4 }, { t: "HEARTBEAT", op: 4 }])("%o → HEARTBEAT_ACK, before and after INIT", (frame) => {
    expect(sent(recv(connect(), frame).effects)).toEqual([{ t: "HEARTBEAT_ACK", op: 5 }]);
    expect(sent(recv(initialised(INIT_ONE), frame).effects)).toEqual([{ t: "HEARTBEAT_ACK", op: 5 }]);
  });
});

describe("Lantern SUBSCRIBE", () => {
  it.each([
    [
      "user_id after INIT with user_ids (Lantern threw)",
      INIT_TWO,
      { user_id: GRACE },
      [GRACE],
      "single",
      user(GRACE),
    ],
    ["user_id after INIT with user_id", INIT_ONE, { user_id: GRACE }, [GRACE], "single", user(GRACE)],
    ["user_ids", INIT_ONE, { user_ids: [LINUS, GRACE] }, [LINUS, GRACE], "list", [user(LINUS), user(GRACE)]],
  ] as const)("%s: SUBSCRIBE_ACK with the added users' data", (_, init, d, added, shape, data) => {
    const session = initialised(init);
    const step = recv(session, { op: 12, d });
    expect(step.effects).toEqual([
      { kind: "subscribe", target: added },
      { kind: "ack", op: "subscribe", dialect: "lantern", target: added, shape },
    ]);
    const held = session.subscription.kind === "ids" ? session.subscription.ids : [];
    expect(step.session.subscription).toEqual({ kind: "ids", ids: [...held, ...added] });
    const ack = acks(step.effects)[0]!;
    expect(sent(settleSubscription(step.session, ack, lookup(ack)).effects)).toEqual([
      { t: "SUBSCRIBE_ACK", op: 13, d: data },
    ]);
  });

  it("All while on ids: moves to All, drops the ids, acks with everyone", () => {
    const step = recv(initialised(INIT_TWO), { op: 12, d: { user_id: "All" } });
    expect(step.effects).toEqual([
      { kind: "subscribe", target: "all" },
      { kind: "unsubscribe", target: [ADA, LINUS] },
      { kind: "ack", op: "subscribe", dialect: "lantern", target: "all", shape: "all" },
    ]);
    expect(step.session.subscription).toEqual({ kind: "all" });
    expect(sent(settleSubscription(step.session, acks(step.effects)[0]!, MONITORED).effects)).toEqual([
      { t: "SUBSCRIBE_ACK", op: 13, d: everyone },
    ]);
  });

  const all = { op: 2, d: { user_id: "All" } };
  it.each([
    [
      "a user already subscribed",
      INIT_TWO,
      { user_ids: [GRACE, LINUS] },
      `You are already subscribed to user ${LINUS}.`,
      0,
    ],
    ["anything while on All", all, { user_id: ADA }, "You are already subscribed to all users.", 0],
    ["All while on All", all, { user_id: "All" }, "You are already subscribed to all users.", 0],
    [
      "All where not allowed",
      INIT_ONE,
      { user_id: "ALL" },
      "Subscribing to all users is not allowed on this server.",
      2,
    ],
    ["no target", INIT_ONE, {}, "Either user_id or user_ids must be provided.", 0],
    [
      "both keys",
      INIT_ONE,
      { user_id: LINUS, user_ids: [GRACE] },
      "Only one of user_id or user_ids can be provided.",
      0,
    ],
    [
      "an invalid id",
      INIT_ONE,
      { user_ids: ["abc"] },
      "user_ids.0: must be a Discord id (17 to 20 digits)",
      0,
    ],
    ["a user_id that is not an id", INIT_ONE, { user_id: "12" }, NOT_AN_ID, 0],
  ])("%s: ERROR, nothing changes", (_, init, d, message, allSubscribers) => {
    const session = initialised(init);
    const step = recv(session, { op: 12, d }, undefined, undefined, allSubscribers);
    expect(step.effects).toEqual([{ kind: "send", frame: lanternFrames.error(message), compress: false }]);
    expect(step.session.subscription).toEqual(session.subscription);
    expect(step.session.closed).toBe(false);
  });

  it("without d: ERROR", () => {
    expect(sent(recv(initialised(INIT_ONE), { op: 12 }).effects)[0]).toMatchObject({ op: 11 });
  });

  it("up to the id cap exactly; one more is an ERROR", () => {
    const first = Array.from({ length: CONFIG.maxIdsPerSocket - 1 }, (_, n) => idN(n));
    let session = recv(connect(), { op: 2, d: { user_ids: first } }).session;
    const last = recv(session, { op: 12, d: { user_id: idN(1000) } });
    expect(last.effects.map((effect) => effect.kind)).toEqual(["subscribe", "ack"]);
    session = last.session;
    const over = recv(session, { op: 12, d: { user_id: idN(1001) } });
    expect(sent(over.effects)).toEqual([
      error("At most 100 users can be subscribed per socket; this would make 101."),
    ]);
    expect(over.session.subscription).toEqual(session.subscription);
  });
});

describe("Lantern UNSUBSCRIBE", () => {
  const three = { op: 2, d: { user_ids: [ADA, LINUS, GRACE] } };

  it.each([
    ["user_id", { user_id: LINUS }, [LINUS], [ADA, GRACE]],
    ["user_ids", { user_ids: [GRACE, ADA] }, [GRACE, ADA], [LINUS]],
  ])("%s: UNSUBSCRIBE_ACK and the rest stays", (_, d, removed, rest) => {
    const step = recv(initialised(three), { op: 14, d });
    expect(step.effects).toEqual([
      { kind: "unsubscribe", target: removed },
      { kind: "send", frame: '{"t":"UNSUBSCRIBE_ACK","op":15}', compress: false },
    ]);
    expect(step.session.subscription).toEqual({ kind: "ids", ids: rest });
  });

  it("the last user: DISCONNECT, 4000 (Lantern's message)", () => {
    const step = recv(initialised(INIT_ONE), { op: 14, d: { user_id: ADA } });
    const message = "You require at least one user to be subscribed. Connection closed.";
    expect(step.effects).toEqual([
      { kind: "send", frame: lanternFrames.disconnect(message), compress: false },
      { kind: "unsubscribe", target: [ADA] },
      { kind: "close", code: 4000, reason: message },
    ]);
    expect(step.session.closed).toBe(true);
  });

  it.each([
    ["from ids", INIT_TWO, [ADA, LINUS]],
    ["from All", { op: 2, d: { user_id: "All" } }, "all"],
  ] as const)('"All" %s: drops everything, DISCONNECT, 4000', (_, init, target) => {
    const step = recv(initialised(init), { op: 14, d: { user_id: "All" } });
    expect(step.effects).toContainEqual({ kind: "unsubscribe", target });
    expect(sent(step.effects)[0]).toMatchObject({ op: 9 });
    expect(closeOf(step.effects)?.code).toBe(4000);
  });

  it.each([
    [
      "a user not subscribed",
      INIT_TWO,
      { user_ids: [LINUS, GRACE] },
      `You are not subscribed to user ${GRACE}.`,
    ],
    [
      "an id while on All",
      { op: 2, d: { user_id: "All" } },
      { user_id: ADA },
      'You are subscribed to all users; unsubscribe from "All" to stop.',
    ],
    ["an invalid payload", INIT_TWO, { user_id: 5 }, "user_id: "],
  ])("%s: ERROR, nothing changes", (_, init, d, message) => {
    const session = initialised(init);
    const step = recv(session, { op: 14, d });
    expect(step.effects).toHaveLength(1);
    expect(sent(step.effects)[0]).toMatchObject({ t: "ERROR", op: 11 });
    expect(sent(step.effects)[0]!.d).toContain(message);
    expect(step.session.subscription).toEqual(session.subscription);
  });
});

describe("Lantern bad input after INIT", () => {
  it.each([
    ["not JSON", "{op:4", "Invalid JSON."],
    ["JSON null", "null", "A message must be a JSON object."],
    ["a JSON array", "[4]", "A message must be a JSON object."],
    ["a binary frame", new ArrayBuffer(8), "Binary frames are not supported; send JSON text."],
  ])("%s: ERROR, the socket stays (Lantern crashed)", (_, frame, message) => {
    const session = initialised(INIT_TWO);
    const step = recv(session, frame);
    expect(sent(step.effects)).toEqual([error(message)]);
    expect(step.session).toMatchObject({ closed: false, subscription: session.subscription });
  });

  it.each([1, 3, 5, 6, 7, 8, 9, 10, 11, 13, 15])("server op %i: DISCONNECT, 4004", (op) => {
    const step = recv(initialised(INIT_ONE), { op });
    expect(sent(step.effects)).toEqual([
      disconnect("You are not allowed to send this opcode to the server."),
    ]);
    expect(closeOf(step.effects)?.code).toBe(4004);
    expect(step.effects).toContainEqual({ kind: "unsubscribe", target: [ADA] });
  });

  it.each([[{ op: 0 }], [{ op: 16 }], [{ op: "4" }], [{ t: "HEARTBEAT" }], [{ op: 4.5 }]])(
    "unknown op %o: DISCONNECT, 4004",
    (frame) => {
      const step = recv(initialised(INIT_ONE), frame);
      expect(sent(step.effects)).toEqual([disconnect("Invalid opcode.")]);
      expect(closeOf(step.effects)).toEqual({ code: 4004, reason: "Invalid opcode." });
    },
  );

  it("a Lanyard frame on a Lantern socket is a Lantern frame: op 3 is server-only", () => {
    expect(closeOf(recv(initialised(INIT_ONE), { op: 3 }).effects)?.code).toBe(4004);
  });
});

describe("Lantern, the whole cycle", () => {
  it("INIT → ack → updates → SUBSCRIBE → UNSUBSCRIBE → user leaves → DISCONNECT", () => {
    let session: SocketSession = connect(URL_ZLIB);
    const frames: unknown[] = [];
    const run = (frame: object) => {
      const step = play(session, [frame]);
      session = step.session;
      frames.push(...sent(step.effects));
      expect(step.effects.every((effect) => effect.kind !== "send" || effect.compress)).toBe(true);
      return step;
    };
    const change = (kind: "presence" | "storage" | "left", id: string) => {
      const [delivery] = fanOut(
        [["me", session]],
        kind === "left" ? { kind, user_id: id } : { kind, user_id: id, payloads: MONITORED.get(id)! },
      );
      if (!delivery) return;
      session = delivery.session;
      frames.push(...sent(delivery.effects));
      return delivery;
    };

    run({ op: 4 });
    run({ op: 2, d: { user_id: ADA } });
    change("presence", ADA);
    change("presence", LINUS); // not subscribed: nothing
    run({ op: 12, d: { user_ids: [LINUS, GRACE] } });
    change("storage", LINUS);
    run({ t: "HEARTBEAT", op: 4 });
    run({ op: 14, d: { user_id: ADA } });
    change("left", GRACE);
    const last = change("left", LINUS)!;

    expect(frames).toEqual([
      { t: "HEARTBEAT_ACK", op: 5 },
      { t: "INIT_ACK", op: 3, d: user(ADA) },
      { t: "PRESENCE_UPDATE", op: 6, d: user(ADA) },
      { t: "SUBSCRIBE_ACK", op: 13, d: [user(LINUS), user(GRACE)] },
      { t: "STORAGE_UPDATE", op: 10, d: user(LINUS) },
      { t: "HEARTBEAT_ACK", op: 5 },
      { t: "UNSUBSCRIBE_ACK", op: 15 },
      { t: "USER_LEFT", op: 7, d: { user_id: GRACE } },
      { t: "USER_LEFT", op: 7, d: { user_id: LINUS } },
      disconnect("There is no user to monitor anymore."),
    ]);
    expect(closeOf(last.effects)).toEqual({ code: 4000, reason: "There is no user to monitor anymore." });
    expect(session).toMatchObject({ closed: true, subscription: { kind: "none" } });
    for (const frame of frames) expect(() => LanternServerFrame.parse(frame)).not.toThrow();
  });
});
