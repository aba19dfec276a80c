import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { differences, expectedUsers } from "./helpers/expected.ts";
import { type Harness, startHarness, TEST_SECRET } from "./helpers/harness.ts";
import { scrape } from "./helpers/metrics.ts";
import { waitFor } from "./helpers/wait.ts";

// The runner in this process against a receiver that refuses it: first for a configuration fault
// (a secret the receiver does not share), then for a malformed batch. What /health and /metrics say
// is read over HTTP, as an orchestrator and Prometheus would.

let h: Harness;
const ada = SEED_MEMBERS[0]!.id;

interface Health {
  status: number;
  body: { status: string; problems: string[]; dropped: { batches: number; deltas: number } };
}

async function health(): Promise<Health> {
  const response = await fetch(`http://127.0.0.1:${h.runner.opsPort}/health`);
  return { status: response.status, body: (await response.json()) as Health["body"] };
}

async function converged(what: string): Promise<void> {
  const want = () => expectedUsers(h.emulator.world, [SEED.guildId]);
  await waitFor(what, () => differences(h.receiver.users, want()).length === 0, {
    describe: () => differences(h.receiver.users, want()).slice(0, 5),
  });
}

beforeAll(async () => {
  h = await startHarness({ receiverSecret: "not-the-runner-secret-but-as-long-0123456789" });
  await h.runner.connected;
});
afterAll(async () => {
  await h?.close();
});

describe("gateway runner refused by the Worker", () => {
  it("keeps every delta and reports unhealthy while the Worker refuses its secret, then delivers them", async () => {
    await waitFor("refusals", () => h.receiver.count(401) >= 2);
    // Discord keeps changing while the Worker refuses.
    h.emulator.world.setPresence(SEED.guildId, {
      user: { id: ada },
      status: "dnd",
      activities: [{ name: "while refused", type: 0 } as never],
    });
    await waitFor("the runner to report the refusal", async () => (await health()).status === 503);
    const refused = await health();
    expect(refused.body.status).toBe("unhealthy");
    expect(refused.body.problems.join("\n")).toMatch(
      /refuses the runner's signature \(HTTP 401.*INGEST_SECRET/,
    );
    const during = await scrape(h.runner.opsPort);
    expect(during.get('porchlight_runner_ingest_blocked{reason="unauthorized"}')).toBe(1);
    expect(during.get('porchlight_runner_batches_failed_total{reason="unauthorized"}')).toBeGreaterThan(0);
    expect(during.get('porchlight_runner_deltas_dropped_total{reason="rejected"}') ?? 0).toBe(0);
    expect(during.get("porchlight_runner_buffer_users")).toBe(
      expectedUsers(h.emulator.world, [SEED.guildId]).size,
    );
    expect(h.receiver.users.size).toBe(0);

    h.receiver.secret = TEST_SECRET;
    await converged("every member and the change made while refused");
    expect(h.receiver.users.get(ada)?.presence?.activities[0]?.name).toBe("while refused");
    await waitFor("health to recover", async () => (await health()).status === 200);
    const after = await scrape(h.runner.opsPort);
    expect(after.get('porchlight_runner_ingest_blocked{reason="unauthorized"}')).toBe(0);
    expect(after.get("porchlight_runner_buffer_users")).toBe(0);
  });

  it("drops a batch the Worker calls malformed, and says so in /health until a batch is accepted", async () => {
    h.receiver.override = () => 400;
    h.emulator.world.setPresence(SEED.guildId, { user: { id: ada }, status: "idle" });
    await waitFor("the drop to be reported", async () => (await health()).status === 503);
    const report = await health();
    expect(report.body.problems).toEqual([
      'the Worker rejected the last batch as malformed (HTTP 400: {"error":"forced 400"}); its 1 deltas were dropped',
    ]);
    expect(report.body.dropped).toEqual({ batches: 1, deltas: 1 });
    expect(
      (await scrape(h.runner.opsPort)).get('porchlight_runner_deltas_dropped_total{reason="rejected"}'),
    ).toBe(1);

    h.receiver.override = null;
    h.emulator.world.setPresence(SEED.guildId, { user: { id: ada }, status: "online" });
    await waitFor("the next batch", () => h.receiver.users.get(ada)?.presence?.status === "online");
    await waitFor("health to recover", async () => (await health()).status === 200);
    expect((await health()).body.dropped).toEqual({ batches: 1, deltas: 1 });
  });
});
