import { describe, expect, it } from "vitest";
import { fanOut, type SocketSession, settleSubscription } from "../../durable-objects/socket-hub/protocol.ts";
import { LanyardServerFrame } from "../../schemas/socket.ts";
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

const presence = (id: string) => MONITORED.get(id)!.lanyard;
const everyone = Object.fromEntries([...MONITORED].map(([id, payloads]) => [id, payloads.lanyard]));
const initState = (d: unknown) => ({ op: 0, t: "INIT_STATE", d });

describe("Lanyard Initialize (op 2)", () => {
  it.each([
    ["subscribe_to_id", { subscribe_to_id: ADA }, [ADA], "single", presence(ADA)],
    ["subscribe_to_id, unknown", { subscribe_to_id: GHOST }, [GHOST], "single", {}],
    [
      "subscribe_to_ids",
      { subscribe_to_ids: [ADA, LINUS] },
      [ADA, LINUS],
      "list",
      { [ADA]: presence(ADA), [LINUS]: presence(LINUS) },
    ],
    [
      "subscribe_to_ids, some unknown",
      { subscribe_to_ids: [GHOST, LINUS] },
      [GHOST, LINUS],
      "list",
      { [LINUS]: presence(LINUS) },
    ],
    [
      "subscribe_to_ids, a duplicate",
      { subscribe_to_ids: [LINUS, LINUS] },
      [LINUS],
      "list",
      { [LINUS]: presence(LINUS) },
    ],
    ["subscribe_to_all", { subscribe_to_all: true }, "all", "all", everyone],
    ["a known key beside an unknown one", { subscribe_to_id: ADA, seq: 1 }, [ADA], "single", presence(ADA)],
  ] as const)("%s: INIT_STATE", (_, d, target, shape, data) => {
    const step = recv(connect(), { op: 2, d });
    expect(step.effects).toEqual([
      { kind: "subscribe", target },
      { kind: "ack", op: "init", dialect: "lanyard", target, shape },
    ]);
    const ack = acks(step.effects)[0]!;
    const settled = settleSubscription(step.session, ack, lookup(ack));
    expect(sent(settled.effects)).toEqual([initState(data)]);
    expect(() => LanyardServerFrame.parse(sent(settled.effects)[0])).not.toThrow();
    // Unknown ids are not kept: no orphan subscription.
    const unknown = target === "all" ? [] : target.filter((id) => !MONITORED.has(id));
    if (unknown.length > 0) expect(settled.effects).toContainEqual({ kind: "unsubscribe", target: unknown });
    const held = target === "all" ? "all" : target.filter((id) => MONITORED.has(id));
    expect(settled.session.subscription).toEqual(
      held === "all" ? { kind: "all" } : held.length > 0 ? { kind: "ids", ids: held } : { kind: "none" },
    );
    expect(settled.session.closed).toBe(false);
  });

  it("subscribe_to_ids empty: INIT_STATE {} at once, nothing asked of the hub", () => {
    const step = recv(connect(), { op: 2, d: { subscribe_to_ids: [] } });
    expect(step.effects).toEqual([
      { kind: "send", frame: '{"op":0,"t":"INIT_STATE","d":{}}', compress: false },
    ]);
    expect(step.session).toMatchObject({ dialect: "lanyard", subscription: { kind: "none" }, closed: false });
  });

  const RULE = "must be a Discord id (17 to 20 digits)";
  it.each([
    ["subscribe_to_id too short", { subscribe_to_id: "12345" }, `subscribe_to_id: ${RULE}`],
    ["subscribe_to_id not digits", { subscribe_to_id: "abc" }, `subscribe_to_id: ${RULE}`],
    ["subscribe_to_id of 21 digits", { subscribe_to_id: "1".repeat(21) }, `subscribe_to_id: ${RULE}`],
    [
      "subscribe_to_ids with one bad",
      { subscribe_to_ids: [ADA, "abc", "12"] },
      `subscribe_to_ids.1: ${RULE}`,
    ],
  ])("%s: closes with 4006 invalid_user_id naming the field, nothing asked of the hub", (_, d, field) => {
    const step = recv(connect(), { op: 2, d });
    expect(step.effects).toEqual([{ kind: "close", code: 4006, reason: `invalid_user_id: ${field}` }]);
    expect(step.session).toMatchObject({ dialect: "lanyard", subscription: { kind: "none" }, closed: true });
  });

  it("a bad id on a repeated op 2 drops what the socket held, as every close does", () => {
    const step = recv(initialised({ op: 2, d: { subscribe_to_id: ADA } }), {
      op: 2,
      d: { subscribe_to_ids: ["not-an-id"] },
    });
    expect(step.effects).toEqual([
      { kind: "unsubscribe", target: [ADA] },
      { kind: "close", code: 4006, reason: `invalid_user_id: subscribe_to_ids.0: ${RULE}` },
    ]);
  });

  it("is repeatable: each adds, each is answered for what it named", () => {
    const { session, effects } = play(connect(), [
      { op: 2, d: { subscribe_to_id: ADA } },
      { op: 2, d: { subscribe_to_ids: [ADA, LINUS] } },
      { op: 2, d: { subscribe_to_id: ADA } },
    ]);
    expect(effects.filter((effect) => effect.kind === "subscribe")).toEqual([
      { kind: "subscribe", target: [ADA] },
      { kind: "subscribe", target: [LINUS] },
    ]);
    expect(sent(effects)).toEqual([
      initState(presence(ADA)),
      initState({ [ADA]: presence(ADA), [LINUS]: presence(LINUS) }),
      initState(presence(ADA)),
    ]);
    expect(session.subscription).toEqual({ kind: "ids", ids: [ADA, LINUS] });
  });

  it("subscribe_to_all after ids moves to all; ids after all only answer", () => {
    const toAll = recv(initialised({ op: 2, d: { subscribe_to_ids: [ADA] } }), {
      op: 2,
      d: { subscribe_to_all: true },
    });
    expect(toAll.effects.map((effect) => effect.kind)).toEqual(["subscribe", "unsubscribe", "ack"]);
    expect(toAll.session.subscription).toEqual({ kind: "all" });
    const then = recv(toAll.session, { op: 2, d: { subscribe_to_id: LINUS } });
    expect(then.effects).toEqual([
      { kind: "ack", op: "init", dialect: "lanyard", target: [LINUS], shape: "single" },
    ]);
    const again = recv(toAll.session, { op: 2, d: { subscribe_to_all: true } }, undefined, undefined, 2);
    expect(again.effects).toEqual([
      { kind: "ack", op: "init", dialect: "lanyard", target: "all", shape: "all" },
    ]);
  });

  it.each([
    ["first", null],
    ["repeated", { op: 2, d: { subscribe_to_id: ADA } }],
  ])("bad d on the %s op 2 closes with Lanyard's codes, no frame", (_, init) => {
    const cases: [unknown, number, string][] = [
      [undefined, 4005, "requires_data_object"],
      [null, 4005, "requires_data_object"],
      [{}, 4005, "requires_data_object"],
      ["x", 4005, "requires_data_object"],
      [[ADA], 4005, "requires_data_object"],
      [{ subscribe_to_all: false }, 4006, "invalid_payload"],
      [{ subscribe_to_id: ADA, subscribe_to_ids: [LINUS] }, 4006, "invalid_payload"],
      [{ subscribe_to_ids: [Number(ADA)] }, 4006, "invalid_payload"],
      [{ subscribe_to_ids: ADA }, 4006, "invalid_payload"],
      [{ subscribe_to_id: 5 }, 4006, "invalid_payload"],
    ];
    for (const [d, code, reason] of cases) {
      const session = init ? initialised(init) : connect();
      const frame = d === undefined ? { op: 2 } : { op: 2, d };
      const step = recv(session, frame);
      expect(closeOf(step.effects), JSON.stringify(frame)).toEqual(
        init || code === 4006 ? { code, reason } : { code, reason: expect.any(String) },
      );
      expect(sent(step.effects)).toEqual([]);
      if (init) expect(step.effects).toContainEqual({ kind: "unsubscribe", target: [ADA] });
    }
  });

  it("an unknown key alone is invalid_payload (4006)", () => {
    expect(
      closeOf(
        recv(initialised({ op: 2, d: { subscribe_to_id: ADA } }), { op: 2, d: { ids: [ADA] } }).effects,
      ),
    ).toEqual({ code: 4006, reason: "invalid_payload" });
  });

  it("ids up to the cap exactly, across repeated op 2; one more closes with 4007", () => {
    const ids = Array.from({ length: CONFIG.maxIdsPerSocket }, (_, n) => idN(n));
    let session = recv(connect(), { op: 2, d: { subscribe_to_ids: ids.slice(0, 60) } }).session;
    session = recv(session, { op: 2, d: { subscribe_to_ids: ids.slice(50) } }).session;
    expect(session.subscription).toEqual({ kind: "ids", ids });
    expect(recv(session, { op: 2, d: { subscribe_to_id: ids[7] } }).session.closed).toBe(false);
    const over = recv(session, { op: 2, d: { subscribe_to_id: idN(500) } });
    expect(closeOf(over.effects)).toEqual({
      code: 4007,
      reason: "too_many_ids: At most 100 users can be subscribed per socket; this would make 101.",
    });
    expect(over.effects).toContainEqual({ kind: "unsubscribe", target: ids });
  });

  it("subscribe_to_all where not allowed closes with 4010", () => {
    const step = recv(
      initialised({ op: 2, d: { subscribe_to_id: ADA } }),
      { op: 2, d: { subscribe_to_all: true } },
      undefined,
      undefined,
      2,
    );
    expect(closeOf(step.effects)).toEqual({ code: 4010, reason: "all_not_allowed" });
  });
});

describe("Lanyard Heartbeat (op 3) and Unsubscribe (op 4)", () => {
  it.each([{ op: 3 }, { op: 3, d: null }, { op: 3, d: { seq: 1 } }])("%o: no answer", (frame) => {
    const session = initialised({ op: 2, d: { subscribe_to_id: ADA } });
    const step = recv(session, frame, session.lastFrameAt + 1000);
    expect(step.effects).toEqual([]);
    expect(step.session.lastFrameAt).toBeGreaterThan(session.lastFrameAt);
  });

  const three = { op: 2, d: { subscribe_to_ids: [ADA, LINUS, GRACE] } };
  it.each([
    ["unsubscribe_from_id", { unsubscribe_from_id: LINUS }, [LINUS], { kind: "ids", ids: [ADA, GRACE] }],
    [
      "unsubscribe_from_ids",
      { unsubscribe_from_ids: [GRACE, ADA, GHOST] },
      [ADA, GRACE],
      { kind: "ids", ids: [LINUS] },
    ],
    [
      "unsubscribe_from_ids, all of them",
      { unsubscribe_from_ids: [ADA, LINUS, GRACE] },
      [ADA, LINUS, GRACE],
      { kind: "none" },
    ],
    ["unsubscribe_from_all", { unsubscribe_from_all: true }, [ADA, LINUS, GRACE], { kind: "none" }],
  ] as const)("%s: no answer, interest dropped, socket stays", (_, d, removed, subscription) => {
    const step = recv(initialised(three), { op: 4, d });
    expect(step.effects).toEqual([{ kind: "unsubscribe", target: removed }]);
    expect(step.session.subscription).toEqual(subscription);
    expect(step.session.closed).toBe(false);
  });

  it("unsubscribe_from_all on all drops all; ids while on all change nothing", () => {
    const session = initialised({ op: 2, d: { subscribe_to_all: true } });
    expect(recv(session, { op: 4, d: { unsubscribe_from_id: ADA } }).effects).toEqual([]);
    const step = recv(session, { op: 4, d: { unsubscribe_from_all: true } });
    expect(step.effects).toEqual([{ kind: "unsubscribe", target: "all" }]);
    expect(step.session.subscription).toEqual({ kind: "none" });
  });

  it.each([
    ["without d", { op: 4 }, null],
    ["d null", { op: 4, d: null }, null],
    ["an id not subscribed", { op: 4, d: { unsubscribe_from_id: GHOST } }, null],
    ["d empty", { op: 4, d: {} }, { code: 4005, reason: "requires_data_object" }],
    ["d a string", { op: 4, d: ADA }, { code: 4005, reason: "requires_data_object" }],
    ["an unknown key", { op: 4, d: { unsubscribe: ADA } }, { code: 4006, reason: "invalid_payload" }],
    [
      "unsubscribe_from_all: false",
      { op: 4, d: { unsubscribe_from_all: false } },
      { code: 4006, reason: "invalid_payload" },
    ],
    [
      "unsubscribe_from_ids not a list",
      { op: 4, d: { unsubscribe_from_ids: ADA } },
      { code: 4006, reason: "invalid_payload" },
    ],
  ])("%s", (_, frame, close) => {
    const step = recv(initialised(three), frame);
    expect(closeOf(step.effects)).toEqual(close);
    if (!close) expect(step.effects).toEqual([]);
  });
});

describe("Lanyard bad input", () => {
  it.each([
    ["op 0", { op: 0 }, 4004, "unknown_opcode"],
    ["op 1", { op: 1 }, 4004, "unknown_opcode"],
    ["op 5", { op: 5 }, 4004, "unknown_opcode"],
    ["op 12 (Lantern's SUBSCRIBE)", { op: 12, d: { user_id: ADA } }, 4004, "unknown_opcode"],
    ["no op", { d: {} }, 4004, "unknown_opcode"],
    ["not JSON", "{", 4006, "invalid_payload"],
    ["a JSON string", '"hi"', 4006, "invalid_payload"],
    ["a binary frame", new ArrayBuffer(4), 4006, "invalid_payload"],
  ])("%s closes with its code, no frame", (_, frame, code, reason) => {
    const step = recv(initialised({ op: 2, d: { subscribe_to_id: ADA } }), frame);
    expect(closeOf(step.effects)).toEqual({ code, reason });
    expect(sent(step.effects)).toEqual([]);
    expect(step.effects).toContainEqual({ kind: "unsubscribe", target: [ADA] });
    expect(step.session).toMatchObject({ closed: true, subscription: { kind: "none" } });
  });

  it("a Lantern INIT on a Lanyard socket is a Lanyard op 2 with no known key: 4006", () => {
    const step = recv(initialised({ op: 2, d: { subscribe_to_id: ADA } }), { op: 2, d: { user_id: ADA } });
    expect(closeOf(step.effects)?.code).toBe(4006);
  });
});

describe("Lanyard, the whole cycle", () => {
  it("Initialize → INIT_STATE → updates → more → unsubscribe, compressed throughout", () => {
    let session: SocketSession = connect(URL_ZLIB);
    const frames: unknown[] = [];
    const run = (frame: object) => {
      const step = play(session, [frame]);
      session = step.session;
      frames.push(...sent(step.effects));
      expect(step.effects.every((effect) => effect.kind !== "send" || effect.compress)).toBe(true);
    };
    const change = (kind: "presence" | "storage" | "left", id: string) => {
      for (const delivery of fanOut(
        [["me", session]],
        kind === "left" ? { kind, user_id: id } : { kind, user_id: id, payloads: MONITORED.get(id)! },
      )) {
        session = delivery.session;
        frames.push(...sent(delivery.effects));
        expect(delivery.effects.every((effect) => effect.kind !== "send" || effect.compress)).toBe(true);
      }
    };

    run({ op: 2, d: { subscribe_to_id: ADA } }); // before reading HELLO
    run({ op: 3 });
    change("presence", ADA);
    change("presence", LINUS);
    run({ op: 2, d: { subscribe_to_ids: [LINUS, GHOST] } });
    change("storage", LINUS);
    run({ op: 4, d: { unsubscribe_from_id: ADA } });
    change("presence", ADA);
    change("left", LINUS);
    change("presence", LINUS);

    expect(frames).toEqual([
      initState(presence(ADA)),
      { op: 0, t: "PRESENCE_UPDATE", d: { ...presence(ADA), user_id: ADA } },
      initState({ [LINUS]: presence(LINUS) }),
      { op: 0, t: "PRESENCE_UPDATE", d: { ...presence(LINUS), user_id: LINUS } },
    ]);
    expect(session).toMatchObject({ closed: false, dialect: "lanyard", subscription: { kind: "none" } });
    for (const frame of frames) expect(() => LanyardServerFrame.parse(frame)).not.toThrow();
  });
});
