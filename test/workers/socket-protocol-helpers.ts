import { lanternUser } from "../../durable-objects/payloads/lantern.ts";
import { lanyardPresence } from "../../durable-objects/payloads/lanyard.ts";
import type { UserPayloads } from "../../durable-objects/socket-hub/frames.ts";
import { type SocketConfig, socketConfig } from "../../durable-objects/socket-hub/limits.ts";
import {
  type AckEffect,
  type Effect,
  open,
  receive,
  type SocketSession,
  type Step,
  settleSubscription,
} from "../../durable-objects/socket-hub/protocol.ts";
import { DEFAULT_SHAPING_OPTIONS } from "../../schemas/user-state.ts";
import { FIXTURE_NOW, online, USERS, userState } from "../fixtures/discord-presences.ts";

/** The defaults, with All allowed for up to two sockets per hub so both sides of the cap are testable. */
export const CONFIG: SocketConfig = socketConfig({ maxAllSubscribersPerHub: 2 });
export const T0 = FIXTURE_NOW;
export const URL_PLAIN = "https://porchlight.test/socket";
export const URL_ZLIB = "https://porchlight.test/socket?compression=zlib_json";

export const ADA = USERS.ada.id;
export const LINUS = USERS.linus.id;
export const GRACE = USERS.grace.id;
/** A well-formed id nobody is monitored under. */
export const GHOST = "1999999999999999999";

/** A distinct twenty-digit id per n, as long as ids get. */
export const idN = (n: number) => String(10_000_000_000_000_000_000n + BigInt(n));

export function payloadsOf(profile: (typeof USERS)[keyof typeof USERS], kv: Record<string, string> = {}) {
  const state = userState(profile, online());
  return {
    lantern: lanternUser(state, kv, DEFAULT_SHAPING_OPTIONS, FIXTURE_NOW),
    lanyard: lanyardPresence(state, kv, DEFAULT_SHAPING_OPTIONS),
  } satisfies UserPayloads;
}

/** Every fixture user, monitored: what the hub's user objects answer. */
export const MONITORED: ReadonlyMap<string, UserPayloads> = new Map(
  Object.values(USERS).map((profile) => [profile.id, payloadsOf(profile)]),
);

/** A frame as the client sends it: objects are JSON-encoded, strings and buffers go as they are. */
export type ClientFrame = object | string | ArrayBuffer;
const wire = (frame: ClientFrame) =>
  typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame);

export function connect(url = URL_PLAIN, config = CONFIG, now = T0): SocketSession {
  return open(url, now, config).session;
}

export function recv(
  session: SocketSession,
  frame: ClientFrame,
  now = T0 + 1,
  config = CONFIG,
  allSubscribers = 0,
) {
  return receive(session, wire(frame), now, config, { allSubscribers });
}

/**
 * Plays frames in order one millisecond apart, settling every ack against `monitored` as the hub
 * would; returns the last session and every effect but the acks, in order.
 */
export function play(
  session: SocketSession,
  frames: ClientFrame[],
  monitored: ReadonlyMap<string, UserPayloads> = MONITORED,
  start = T0 + 1,
): Step {
  let s = session;
  const effects: Effect[] = [];
  frames.forEach((frame, index) => {
    const step = recv(s, frame, start + index);
    s = step.session;
    for (const effect of step.effects) {
      if (effect.kind !== "ack") {
        effects.push(effect);
        continue;
      }
      const settled = settleSubscription(s, effect, lookup(effect, monitored));
      s = settled.session;
      effects.push(...settled.effects);
    }
  });
  return { session: s, effects };
}

/** What the hub would fetch for an ack: the target's monitored users, or all of them. */
export function lookup(ack: AckEffect, monitored: ReadonlyMap<string, UserPayloads> = MONITORED) {
  if (ack.target === "all") return monitored;
  return new Map(ack.target.filter((id) => monitored.has(id)).map((id) => [id, monitored.get(id)!]));
}

/** The frames sent, parsed. */
export function sent(effects: Effect[]): Record<string, unknown>[] {
  return effects.flatMap((effect) => (effect.kind === "send" ? [JSON.parse(effect.frame)] : []));
}

export function closeOf(effects: Effect[]) {
  const close = effects.find((effect) => effect.kind === "close");
  return close ? { code: close.code, reason: close.reason } : null;
}

export function acks(effects: Effect[]): AckEffect[] {
  return effects.filter((effect): effect is AckEffect => effect.kind === "ack");
}

/** A session that has completed an INIT of the given frame (acks settled). */
export function initialised(init: object, url = URL_PLAIN): SocketSession {
  return play(connect(url), [init]).session;
}
