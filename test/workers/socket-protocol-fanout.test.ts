import { describe, expect, it } from "vitest";
import { type FrameBuilders, lanternFrames, lanyardFrames } from "../../durable-objects/socket-hub/frames.ts";
import {
  fanOut,
  release,
  type SocketSession,
  type UserChange,
} from "../../durable-objects/socket-hub/protocol.ts";
import { LanternServerFrame, LanyardServerFrame } from "../../schemas/socket.ts";
import {
  ADA,
  closeOf,
  connect,
  GRACE,
  initialised,
  LINUS,
  MONITORED,
  sent,
  URL_ZLIB,
} from "./socket-protocol-helpers.ts";

/** One socket of every kind a hub holds. */
function hub(): [string, SocketSession][] {
  return [
    ["lantern-ada", initialised({ op: 2, d: { user_id: ADA } })],
    ["lantern-ada-linus", initialised({ op: 2, d: { user_ids: [ADA, LINUS] } })],
    ["lantern-linus", initialised({ op: 2, d: { user_id: LINUS } })],
    ["lantern-all", initialised({ op: 2, d: { user_id: "All" } })],
    ["lanyard-ada", initialised({ op: 2, d: { subscribe_to_id: ADA } })],
    ["lanyard-ada-zlib", initialised({ op: 2, d: { subscribe_to_ids: [ADA, GRACE] } }, URL_ZLIB)],
    ["lanyard-linus", initialised({ op: 2, d: { subscribe_to_id: LINUS } })],
    ["lanyard-all", initialised({ op: 2, d: { subscribe_to_all: true } })],
    ["lanyard-none", initialised({ op: 2, d: { subscribe_to_ids: [] } })],
    ["not-initialised", connect()],
    ["closed", release(initialised({ op: 2, d: { user_id: ADA } })).session],
  ];
}

const ada = MONITORED.get(ADA)!;
const change = (kind: "presence" | "storage" | "joined"): UserChange => ({
  kind,
  user_id: ADA,
  payloads: ada,
});

/** Wraps every builder to count its calls. */
function counting() {
  const calls: Record<string, number> = {};
  const wrap = <T extends Record<string, (...args: never[]) => string>>(prefix: string, builders: T): T =>
    Object.fromEntries(
      Object.entries(builders).map(([name, build]) => [
        name,
        (...args: never[]) => {
          calls[`${prefix}.${name}`] = (calls[`${prefix}.${name}`] ?? 0) + 1;
          return build(...args);
        },
      ]),
    ) as T;
  const builders: FrameBuilders = {
    lantern: wrap("lantern", lanternFrames),
    lanyard: wrap("lanyard", lanyardFrames),
  };
  return { builders, calls };
}

/** key → the frames it was sent, parsed. */
const framesByKey = (deliveries: ReturnType<typeof fanOut<string>>) =>
  Object.fromEntries(deliveries.map((delivery) => [delivery.key, sent(delivery.effects)]));

const lanyardUpdate = { op: 0, t: "PRESENCE_UPDATE", d: { ...ada.lanyard, user_id: ADA } };

describe("fan-out of one user's change", () => {
  it("presence: PRESENCE_UPDATE to every subscriber, in its dialect", () => {
    const deliveries = fanOut(hub(), change("presence"));
    const lantern = { t: "PRESENCE_UPDATE", op: 6, d: ada.lantern };
    expect(framesByKey(deliveries)).toEqual({
      "lantern-ada": [lantern],
      "lantern-ada-linus": [lantern],
      "lantern-all": [lantern],
      "lanyard-ada": [lanyardUpdate],
      "lanyard-ada-zlib": [lanyardUpdate],
      "lanyard-all": [lanyardUpdate],
    });
    expect(deliveries.every((delivery) => !delivery.changed)).toBe(true);
    const zlib = deliveries.find((delivery) => delivery.key === "lanyard-ada-zlib")!;
    expect(zlib.effects).toEqual([{ kind: "send", frame: expect.any(String), compress: true }]);
    for (const delivery of deliveries.filter((d) => d.key !== "lanyard-ada-zlib")) {
      expect(delivery.effects).toEqual([{ kind: "send", frame: expect.any(String), compress: false }]);
    }
  });

  it("storage: Lantern STORAGE_UPDATE with the whole user, Lanyard PRESENCE_UPDATE", () => {
    const frames = framesByKey(fanOut(hub(), change("storage")));
    expect(frames["lantern-ada"]).toEqual([{ t: "STORAGE_UPDATE", op: 10, d: ada.lantern }]);
    expect(frames["lanyard-ada"]).toEqual([lanyardUpdate]);
    expect(Object.keys(frames).sort()).toEqual(
      [
        "lantern-ada",
        "lantern-ada-linus",
        "lantern-all",
        "lanyard-ada",
        "lanyard-ada-zlib",
        "lanyard-all",
      ].sort(),
    );
  });

  it("joined: USER_JOINED to Lantern All, PRESENCE_UPDATE to Lanyard all and to sockets holding the id", () => {
    const frames = framesByKey(fanOut(hub(), change("joined")));
    expect(frames).toEqual({
      "lantern-ada": [{ t: "PRESENCE_UPDATE", op: 6, d: ada.lantern }],
      "lantern-ada-linus": [{ t: "PRESENCE_UPDATE", op: 6, d: ada.lantern }],
      "lantern-all": [{ t: "USER_JOINED", op: 8, d: ada.lantern }],
      "lanyard-ada": [lanyardUpdate],
      "lanyard-ada-zlib": [lanyardUpdate],
      "lanyard-all": [lanyardUpdate],
    });
  });

  it("left: Lantern USER_LEFT (then DISCONNECT when nothing is left); Lanyard drops the id silently", () => {
    const deliveries = fanOut(hub(), { kind: "left", user_id: ADA });
    const byKey = Object.fromEntries(deliveries.map((delivery) => [delivery.key, delivery]));
    const left = { t: "USER_LEFT", op: 7, d: { user_id: ADA } };
    const disconnect = {
      t: "DISCONNECT",
      op: 9,
      d: { error: "There is no user to monitor anymore.", reason: "There is no user to monitor anymore." },
    };
    expect(framesByKey(deliveries)).toEqual({
      "lantern-ada": [left, disconnect],
      "lantern-ada-linus": [left],
      "lantern-all": [left],
      "lanyard-ada": [],
      "lanyard-ada-zlib": [],
    });
    expect(closeOf(byKey["lantern-ada"]!.effects)).toEqual({
      code: 4000,
      reason: "There is no user to monitor anymore.",
    });
    expect(byKey["lantern-ada"]!.session).toMatchObject({ closed: true, subscription: { kind: "none" } });
    expect(byKey["lantern-ada-linus"]!.session.subscription).toEqual({ kind: "ids", ids: [LINUS] });
    expect(byKey["lantern-all"]!).toMatchObject({
      changed: false,
      session: { subscription: { kind: "all" } },
    });
    expect(byKey["lanyard-ada"]!.session.subscription).toEqual({ kind: "none" });
    expect(byKey["lanyard-ada"]!.session.closed).toBe(false);
    expect(byKey["lanyard-ada-zlib"]!.session.subscription).toEqual({ kind: "ids", ids: [GRACE] });
    for (const key of ["lantern-ada", "lantern-ada-linus", "lanyard-ada", "lanyard-ada-zlib"]) {
      expect(byKey[key]!.changed).toBe(true);
      expect(byKey[key]!.effects).toContainEqual({ kind: "unsubscribe", target: [ADA] });
    }
  });

  it("a user nobody holds reaches only All subscribers", () => {
    const other = "1242085512530251808";
    const payloads = MONITORED.get(other)!;
    expect(fanOut(hub(), { kind: "presence", user_id: other, payloads }).map((d) => d.key)).toEqual([
      "lantern-all",
      "lanyard-all",
    ]);
    expect(fanOut(hub(), { kind: "left", user_id: other }).map((d) => d.key)).toEqual(["lantern-all"]);
  });

  it("frames satisfy their schemas", () => {
    for (const kind of ["presence", "storage", "joined"] as const) {
      for (const delivery of fanOut(hub(), change(kind))) {
        const schema = delivery.session.dialect === "lantern" ? LanternServerFrame : LanyardServerFrame;
        for (const frame of sent(delivery.effects)) expect(() => schema.parse(frame)).not.toThrow();
      }
    }
  });
});

describe("each frame is built once per dialect, however many sockets get it", () => {
  const many = (): [number, SocketSession][] => {
    const lantern = initialised({ op: 2, d: { user_ids: [ADA, LINUS] } });
    const lanternAll = initialised({ op: 2, d: { user_id: "All" } });
    const lanyard = initialised({ op: 2, d: { subscribe_to_ids: [ADA] } });
    const lanyardZlib = initialised({ op: 2, d: { subscribe_to_ids: [ADA] } }, URL_ZLIB);
    const kinds = [lantern, lanternAll, lanyard, lanyardZlib];
    return Array.from({ length: 1000 }, (_, n) => [n, kinds[n % kinds.length]!]);
  };

  it.each([
    ["presence", change("presence"), { "lantern.presenceUpdate": 1, "lanyard.presenceUpdate": 1 }],
    ["storage", change("storage"), { "lantern.storageUpdate": 1, "lanyard.presenceUpdate": 1 }],
    [
      "joined",
      change("joined"),
      { "lantern.userJoined": 1, "lantern.presenceUpdate": 1, "lanyard.presenceUpdate": 1 },
    ],
    ["left", { kind: "left", user_id: ADA } as UserChange, { "lantern.userLeft": 1 }],
  ])("%s", (_, userChange, expected) => {
    const { builders, calls } = counting();
    const deliveries = fanOut(many(), userChange, builders);
    expect(calls).toEqual(expected);
    const sends = deliveries.flatMap((delivery) =>
      delivery.effects.flatMap((effect) => (effect.kind === "send" ? [effect.frame] : [])),
    );
    // Every socket got its frame, and the texts are the very ones built (one per dialect and kind).
    expect(sends.length).toBeGreaterThanOrEqual(userChange.kind === "left" ? 500 : 1000);
    expect(new Set(sends).size).toBeLessThanOrEqual(Object.keys(expected).length);
  });
});
