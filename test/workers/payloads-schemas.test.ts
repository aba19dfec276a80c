import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { withCurrentTime } from "../../durable-objects/payloads/current-time.ts";
import { lanternUser } from "../../durable-objects/payloads/lantern.ts";
import { lanyardPresence } from "../../durable-objects/payloads/lanyard.ts";
import type { Presence } from "../../schemas/ingest.ts";
import * as lantern from "../../schemas/lantern.ts";
import * as lanyard from "../../schemas/lanyard.ts";
import { DEFAULT_SHAPING_OPTIONS, type UserState } from "../../schemas/user-state.ts";
import {
  ACTIVITIES,
  FIXTURE_NOW,
  MALFORMED_ACTIVITIES,
  OFFLINE,
  online,
  USERS,
  userState,
} from "../fixtures/discord-presences.ts";

/** Every fixture user with: no presence, each activity alone, all together, and the malformed ones. */
const presences: [string, Presence][] = [
  ["offline", OFFLINE],
  ...Object.entries(ACTIVITIES).map(([name, activity]): [string, Presence] => [name, online(activity)]),
  ["everything", online(...Object.values(ACTIVITIES))],
  ["malformed", online(...MALFORMED_ACTIVITIES)],
];
const states: [string, UserState][] = Object.values(USERS).flatMap((user) =>
  presences.map(([name, presence]): [string, UserState] => [
    `${user.username}, ${name}`,
    userState(user, presence, { last_seen_at: FIXTURE_NOW - 60_000 }),
  ]),
);
const kv = { location: "Los Angeles, CA" };

/** Parsing returns exactly the input: no field the schema (and so the docs) does not describe. */
function expectExactly(schema: z.ZodType, payload: unknown) {
  expect(schema.parse(payload)).toEqual(payload);
  // What goes over the wire: JSON has no undefined, Date or BigInt to hide behind.
  expect(schema.parse(JSON.parse(JSON.stringify(payload)))).toEqual(payload);
}

describe("payloads satisfy their schemas", () => {
  it.each(states)("Lantern: %s", (_, state) => {
    const user = lanternUser(state, kv, DEFAULT_SHAPING_OPTIONS, FIXTURE_NOW);
    expectExactly(lantern.LanternUser, user);
    expectExactly(lantern.LanternUser, withCurrentTime(user, FIXTURE_NOW + 90_000));
  });

  it.each(states)("Lanyard: %s", (_, state) => {
    expectExactly(lanyard.LanyardPresence, lanyardPresence(state, kv, DEFAULT_SHAPING_OPTIONS));
  });
});

describe("schema examples satisfy their schemas", () => {
  const schemas = [...Object.entries(lantern), ...Object.entries(lanyard)];
  it.each(schemas)("%s", (_, schema) => {
    const meta = schema.meta();
    expect(meta?.example).toBeDefined();
    expect(() => schema.parse(meta?.example)).not.toThrow();
  });
});
