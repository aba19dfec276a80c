import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED } from "../../../emulator/seed.ts";
import { differences, expectedUsers } from "./helpers/expected.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { scrape } from "./helpers/metrics.ts";
import { waitFor } from "./helpers/wait.ts";

// A runner that starts with nothing (no session, an empty registry) while the Worker still holds a
// member who left in the meantime: after its complete member list, that member must leave. The
// runner runs in this process between the emulator and the receiver, which keeps each user's
// guilds as the Worker does.

const GONE = "1191168999999999777";
const STILL_ELSEWHERE = "1191168999999999888";
const ELSEWHERE = "1191168914227200777";
// Also monitored, and neither ever sends this runner a member list: reconciling must not wait for
// them. The bot is not in the first (its shard's READY does not list it); the second is on shard 1
// of 2, which this runner does not run.
const NOT_JOINED = "1191168914227200555";
const OTHER_SHARD = "1191168914231394859";
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    env: {
      SHARD_COUNT: "2",
      SHARD_IDS: "0",
      MONITORED_GUILD_IDS: [SEED.guildId, NOT_JOINED, OTHER_SHARD].join(","),
    },
    prepare: (receiver) => {
      const membership = (guild_ids: string[]) => ({ joined_at: "2024-02-02T00:00:00.000Z", guild_ids });
      receiver.users.set(GONE, { version: 1, membership: membership([SEED.guildId]) });
      // Also in a guild this runner no longer watches: its view (no monitored guild) is what counts.
      receiver.users.set(STILL_ELSEWHERE, { version: 1, membership: membership([ELSEWHERE, SEED.guildId]) });
    },
  });
  await h.runner.connected;
});
afterAll(async () => {
  await h?.close();
});

describe("gateway runner reconciling with the Worker", () => {
  it("sends a leave for a member the Worker holds but the complete member list lacks", async () => {
    await waitFor("the leaves", () =>
      [GONE, STILL_ELSEWHERE].every((id) => h.receiver.users.get(id)?.membership === null),
    );
    const want = expectedUsers(h.emulator.world, [SEED.guildId]);
    expect(differences(h.receiver.users, want)).toEqual([]);
    expect(h.receiver.guildMembers(SEED.guildId, "", 1000).user_ids.sort()).toEqual([...want.keys()].sort());
    const metrics = await scrape(h.runner.opsPort);
    expect(metrics.get('porchlight_runner_reconciliations_total{outcome="completed"}')).toBe(1);
    expect(metrics.get("porchlight_runner_reconciled_leaves_total")).toBe(2);
  });
});

describe("gateway runner against a Worker without the member route", () => {
  let w: Harness;
  beforeAll(async () => {
    w = await startHarness({
      prepare: (receiver) => {
        receiver.users.set(GONE, {
          version: 1,
          membership: { joined_at: "2024-02-02T00:00:00.000Z", guild_ids: [SEED.guildId] },
        });
        receiver.memberPagesStatus = 404;
      },
    });
    await w.runner.connected;
  });
  afterAll(async () => {
    await w?.close();
  });

  it("says so on /health, staying healthy, and in a gauge, until a reconciliation succeeds", async () => {
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${w.runner.opsPort}/health`);
      return { status: response.status, body: (await response.json()) as { warnings?: string[] } };
    };
    await waitFor("a warning", async () => ((await health()).body.warnings ?? []).length > 0);
    const failing = await health();
    expect(failing.status).toBe(200);
    expect(failing.body.warnings).toHaveLength(1);
    expect(failing.body.warnings![0]).toContain(`reconciling guild ${SEED.guildId}`);
    expect(failing.body.warnings![0]).toContain("answered HTTP 404");
    const metrics = await scrape(w.runner.opsPort);
    expect(metrics.get("porchlight_runner_reconciliations_failing")).toBe(1);
    expect(metrics.get('porchlight_runner_reconciliations_total{outcome="failed"}')).toBeGreaterThanOrEqual(
      1,
    );

    // The Worker is upgraded: the next retry (RETRY_CAP_MS is 400 here) reconciles.
    w.receiver.memberPagesStatus = null;
    await waitFor("the leave", () => w.receiver.users.get(GONE)?.membership === null);
    await waitFor("no warning", async () => (await health()).body.warnings?.length === 0);
    expect((await scrape(w.runner.opsPort)).get("porchlight_runner_reconciliations_failing")).toBe(0);
  });
});
