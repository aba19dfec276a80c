import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mayClaim, nextSweep, SWEEP_DELAY_MS } from "../../durable-objects/interaction-claims.ts";
import {
  CLOCK_MARGIN_MS,
  INTERACTION_ID_SHARDS,
  interactionIdShard,
  rememberUntil,
} from "../../workers/bot/replay.ts";
import { MAX_SIGNATURE_AGE_SECONDS, verifyInteraction } from "../../workers/bot/signature.ts";
import { sign } from "./interactions-helpers.ts";

/** The replay rules as pure functions, then the InteractionIds object that applies them. */

const PUBLIC_KEY = env.DISCORD_PUBLIC_KEY!;

describe("replay rules", () => {
  it("remember an id past the last moment its timestamp still verifies, by the clock margin", async () => {
    const timestamp = 1_800_000_000;
    const lastAccepted = (timestamp + MAX_SIGNATURE_AGE_SECONDS) * 1000;
    const signature = await sign(String(timestamp), "{}");
    const headers = { signature, timestamp: String(timestamp) };
    // The window's edge, checked against the real verifier: taken at it, refused a second later.
    expect((await verifyInteraction(PUBLIC_KEY, headers, "{}", lastAccepted)).ok).toBe(true);
    expect((await verifyInteraction(PUBLIC_KEY, headers, "{}", lastAccepted + 1000)).ok).toBe(false);
    expect(rememberUntil(timestamp)).toBe(lastAccepted + CLOCK_MARGIN_MS);
  });

  it("an id may act when unseen or when its row has expired, never while it is held", () => {
    expect(mayClaim(null, 1000)).toBe(true);
    expect(mayClaim(1001, 1000)).toBe(false);
    expect(mayClaim(1000, 1000)).toBe(true);
    expect(mayClaim(999, 1000)).toBe(true);
  });

  it("one sweep alarm serves every row expiring before it", () => {
    expect(nextSweep(null, 5000)).toBe(5000 + SWEEP_DELAY_MS);
    // An earlier alarm stays: it will run, delete what has expired, and set the next one.
    expect(nextSweep(2000, 5000)).toBe(2000);
    expect(nextSweep(5000 + SWEEP_DELAY_MS, 5000)).toBe(5000 + SWEEP_DELAY_MS);
    // An alarm later than this row's sweep is brought forward.
    expect(nextSweep(9_000_000, 5000)).toBe(5000 + SWEEP_DELAY_MS);
  });

  it("shards: fixed for an id, always one of the fixed set, and spread", async () => {
    const names = new Set<string>();
    for (let n = 0; n < 400; n++) {
      const id = String(1_300_000_000_000_000_000n + BigInt(n));
      const name = await interactionIdShard(id);
      expect(await interactionIdShard(id)).toBe(name);
      names.add(name);
    }
    expect(names.size).toBe(INTERACTION_ID_SHARDS);
    for (const name of names) expect(name).toMatch(/^interaction-ids-(\d|1[0-5])$/);
  });
});

describe("InteractionIds", () => {
  it("accepts an id once while it is held, then again once it has expired", async () => {
    const ids = env.INTERACTION_IDS.getByName("claims");
    const later = Date.now() + 60_000;
    expect(await ids.claim("1300000000000000100", later)).toBe(true);
    expect(await ids.claim("1300000000000000100", later)).toBe(false);
    expect(await ids.claim("1300000000000000101", later)).toBe(true);
    // A row past its expiry that no sweep has removed yet holds nothing back.
    expect(await ids.claim("1300000000000000102", Date.now() - 1)).toBe(true);
    expect(await ids.claim("1300000000000000102", later)).toBe(true);
    expect(await ids.claim("1300000000000000102", later)).toBe(false);
  });

  it("its alarm deletes expired rows, keeps the rest and sets the next sweep", async () => {
    const ids = env.INTERACTION_IDS.getByName("sweep");
    const now = Date.now();
    await ids.claim("1300000000000000200", now - 2000);
    await ids.claim("1300000000000000201", now - 1000);
    await ids.claim("1300000000000000202", now + 120_000);
    expect(await ids.size()).toBe(3);
    expect(await runInDurableObject(ids, (_, state) => state.storage.getAlarm())).toBe(
      now - 2000 + SWEEP_DELAY_MS,
    );

    expect(await runDurableObjectAlarm(ids)).toBe(true);
    expect(await ids.size()).toBe(1);
    expect(await runInDurableObject(ids, (_, state) => state.storage.getAlarm())).toBe(
      now + 120_000 + SWEEP_DELAY_MS,
    );
    // The one left was a live claim and still refuses its replay.
    expect(await ids.claim("1300000000000000202", now + 120_000)).toBe(false);
  });

  it("an emptied shard keeps no alarm", async () => {
    const ids = env.INTERACTION_IDS.getByName("empty");
    await ids.claim("1300000000000000300", Date.now() - 1);
    expect(await runDurableObjectAlarm(ids)).toBe(true);
    expect(await ids.size()).toBe(0);
    expect(await runInDurableObject(ids, (_, state) => state.storage.getAlarm())).toBeNull();
  });
});
