import { GatewayDispatchEvents, type GatewayDispatchPayload } from "discord-api-types/v10";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Forwarder } from "../../../gateway-runner/forwarder.ts";
import { createLogger } from "../../../gateway-runner/log.ts";
import { createMetrics, type RunnerMetrics } from "../../../gateway-runner/metrics.ts";
import { OFFLINE } from "../../../gateway-runner/normalize.ts";
import { PresenceRouter } from "../../../gateway-runner/presence-router.ts";
import { Reconciler } from "../../../gateway-runner/reconciler.ts";
import { WorkerMembers } from "../../../gateway-runner/worker-members.ts";
import { TEST_SECRET, testForwarder } from "./helpers/harness.ts";
import { IngestReceiver } from "./helpers/receiver.ts";
import { waitFor } from "./helpers/wait.ts";

// Reconciling a complete member list with the Worker's record, against the real receiver (which
// keeps each user's guilds as the Worker does): the paged client, then the reconciler feeding the
// router's leaves through a real forwarder.

const GUILD = "1191168914227200002";
const OTHER = "1191168914227200009";
const id = (i: number) => String(1191168918421504000n + BigInt(i));
const JOINED = "2024-01-02T00:00:00.000Z";

let receiver: IngestReceiver;
let metrics: RunnerMetrics;
let forwarder: Forwarder | undefined;
let reconciler: Reconciler | undefined;

/** What an earlier runner process left in the Worker: these users as members of these guilds. */
function held(userIds: string[], guildIds: string[]): void {
  for (const userId of userIds) {
    receiver.users.set(userId, { version: 1, membership: { joined_at: JOINED, guild_ids: guildIds } });
  }
}

const counter = async (name: "reconciliations" | "reconciledLeaves", labels: Record<string, string> = {}) =>
  (await metrics[name].get()).values.find((v) =>
    Object.entries(labels).every(([k, l]) => (v.labels as Record<string, string>)[k] === l),
  )?.value ?? 0;

beforeEach(async () => {
  receiver = await IngestReceiver.start(TEST_SECRET);
  metrics = createMetrics();
});
afterEach(async () => {
  reconciler?.stop();
  forwarder?.stop();
  await receiver.close();
});

describe("WorkerMembers", () => {
  it("reads every page of a guild's members, and only that guild's", async () => {
    held([id(5), id(1), id(3), id(4), id(2)], [GUILD]);
    held([id(9)], [OTHER]);
    const members = new WorkerMembers(receiver.ingestUrl, TEST_SECRET, 5_000, 2);
    expect(await members.of(GUILD)).toEqual([id(1), id(2), id(3), id(4), id(5)]);
    expect(receiver.requests.filter((r) => r.path === `/ingest/guilds/${GUILD}/members`)).toHaveLength(3);
    expect(await members.of(OTHER)).toEqual([id(9)]);
  });

  const pageReads = () =>
    receiver.requests.filter((r) => r.path === `/ingest/guilds/${GUILD}/members`).length;

  it("refuses a cursor that does not move forward, so a Worker answering a cycle cannot keep it reading", async () => {
    // after "" → next 2; after 2 → next 1 (back); after 1 → next 2 again, and so on for ever.
    const pages: Record<string, { user_ids: string[]; next: string | null }> = {
      "": { user_ids: [id(1), id(2)], next: id(2) },
      [id(2)]: { user_ids: [id(3)], next: id(1) },
      [id(1)]: { user_ids: [id(2)], next: id(2) },
    };
    receiver.memberPage = (_guild, after) => pages[after];
    const members = new WorkerMembers(receiver.ingestUrl, TEST_SECRET, 5_000, 2);
    await expect(members.of(GUILD)).rejects.toThrow(
      `answered the cursor ${id(1)}, not after ${id(2)} (the Worker pages in text order of ids)`,
    );
    expect(pageReads()).toBe(2);
  });

  it("compares cursors as text, as the Worker's SQLite does", async () => {
    // Greater as a number, smaller as text ("1…" sorts before "9…"): backwards, in the Worker's order.
    const [nines, tenToThe17] = ["9".repeat(17), `1${"0".repeat(17)}`];
    receiver.memberPage = (_guild, after) =>
      after === "" ? { user_ids: [nines], next: nines } : { user_ids: [tenToThe17], next: tenToThe17 };
    const members = new WorkerMembers(receiver.ingestUrl, TEST_SECRET, 5_000, 1);
    await expect(members.of(GUILD)).rejects.toThrow(`answered the cursor ${tenToThe17}, not after ${nines}`);
  });

  it("stops after the pages the largest guild would fill, and at a page longer than asked", async () => {
    // Always one more: cursors that move forward for ever.
    receiver.memberPage = (_guild, after) => {
      const next = String(BigInt(after || id(0)) + 1n);
      return { user_ids: [next], next };
    };
    const members = new WorkerMembers(receiver.ingestUrl, TEST_SECRET, 5_000, 2, 10);
    await expect(members.of(GUILD)).rejects.toThrow("more than 6 pages (10 members at 2 a page)");
    expect(pageReads()).toBe(6);
    receiver.memberPage = () => ({ user_ids: [id(1), id(2), id(3)], next: null });
    await expect(members.of(GUILD)).rejects.toThrow("answered 3 ids for a page of 2");
  });

  it("names the request without the credentials its URL carries", async () => {
    const withCredentials = receiver.ingestUrl.replace("http://", "http://porchlight:hunter2@");
    const lines: string[] = [];
    const members = new WorkerMembers(withCredentials, TEST_SECRET, 5_000);
    const reconciling = new Reconciler({
      fetchMembers: (guildId) => members.of(guildId),
      reconcile: () => [],
      ready: () => true,
      deliver: () => {},
      backoff: { baseMs: 10_000, capMs: 10_000 },
      metrics,
      log: createLogger("warn", (line) => lines.push(line)),
    });
    const failure = await members.of(GUILD).catch((error: Error) => error);
    expect(String(failure)).toContain(
      `GET http://127.0.0.1:${new URL(receiver.ingestUrl).port}/ingest/guilds/`,
    );
    reconciling.request(GUILD);
    await waitFor("the warning", () => lines.length > 0);
    reconciling.stop();
    expect(String(failure)).not.toContain("hunter2");
    expect(lines.join("\n")).not.toContain("hunter2");
  });

  it("fails naming the status when the Worker refuses the signature", async () => {
    const members = new WorkerMembers(receiver.ingestUrl, "w".repeat(40), 5_000);
    await expect(members.of(GUILD)).rejects.toThrow(
      /guilds\/1191168914227200002\/members\?limit=1000 answered HTTP 401/,
    );
  });
});

describe("Reconciler", () => {
  function start(retry = { baseMs: 20, capMs: 200 }, guilds = [GUILD]): PresenceRouter {
    const router = new PresenceRouter(guilds);
    forwarder = testForwarder(receiver, metrics);
    const members = new WorkerMembers(receiver.ingestUrl, TEST_SECRET, 5_000);
    reconciler = new Reconciler({
      fetchMembers: (guildId) => members.of(guildId),
      reconcile: (guildId, ids) => router.reconcile(guildId, ids),
      ready: () => router.loadingGuilds().length === 0,
      deliver: (updates) => {
        for (const update of updates) forwarder!.add(update, performance.now(), null);
      },
      backoff: retry,
      metrics,
      log: createLogger("silent"),
    });
    return router;
  }

  /** A fresh process's complete member list of the guild: these users only. */
  function completeList(router: PresenceRouter, userIds: string[], guildId = GUILD): void {
    const members = userIds.map((userId) => ({
      user: { id: userId, username: `u${userId}` },
      joined_at: JOINED,
      roles: [],
    }));
    const payload = {
      op: 0,
      s: 1,
      t: GatewayDispatchEvents.GuildCreate,
      d: { id: guildId, members, presences: [] },
    };
    for (const update of router.handle(payload as unknown as GatewayDispatchPayload))
      forwarder!.add(update, performance.now(), null);
    router.completeMemberList(guildId, new Set(userIds));
  }

  const memberReads = (guildId: string) =>
    receiver.requests.filter((r) => r.path === `/ingest/guilds/${guildId}/members`).length;

  it("sends a leave for each member the Worker holds that the list lacks, retrying a failing Worker", async () => {
    held([id(1), id(2), id(3)], [GUILD]);
    const router = start();
    completeList(router, [id(1)]);
    receiver.memberPagesFailing = 2;
    reconciler!.request(GUILD);
    await waitFor("the leaves", () =>
      [id(2), id(3)].every((userId) => receiver.users.get(userId)?.membership === null),
    );
    expect(receiver.users.get(id(2))?.presence).toEqual(OFFLINE);
    expect(receiver.users.get(id(1))?.membership).toEqual({ joined_at: JOINED, guild_ids: [GUILD] });
    expect(receiver.guildMembers(GUILD, "", 1000).user_ids).toEqual([id(1)]);
    expect(await counter("reconciliations", { outcome: "failed" })).toBe(2);
    expect(await counter("reconciliations", { outcome: "completed" })).toBe(1);
    expect(await counter("reconciledLeaves")).toBe(2);
  });

  it("keeps a member the Worker also holds in another guild, correcting their guilds", async () => {
    held([id(4)], [GUILD, OTHER]);
    const router = start(undefined, [GUILD, OTHER]);
    completeList(router, [id(4)], OTHER);
    completeList(router, []);
    reconciler!.request(GUILD);
    await waitFor("the corrected guilds", () => receiver.guildMembers(GUILD, "", 1000).user_ids.length === 0);
    expect(receiver.users.get(id(4))?.membership).toEqual({ joined_at: JOINED, guild_ids: [OTHER] });
  });

  it("waits for every monitored guild's list, so a member of one still loading never leaves them all", async () => {
    held([id(4)], [GUILD, OTHER]);
    held([id(5)], [GUILD]);
    const router = start(undefined, [GUILD, OTHER]);
    completeList(router, []);
    reconciler!.request(GUILD);
    // OTHER is loading: id(4) may be in it, so the Worker is not even asked yet. Absence needs a
    // while to show; a reconciliation that did not wait asks at once.
    const asked = Date.now();
    await waitFor("a moment", () => memberReads(GUILD) > 0 || Date.now() - asked > 300);
    expect(memberReads(GUILD)).toBe(0);
    completeList(router, [id(4)], OTHER);
    reconciler!.request(OTHER);
    await waitFor(
      "both reconciled",
      async () => (await counter("reconciliations", { outcome: "completed" })) === 2,
    );
    await waitFor("the leaves", () => receiver.users.get(id(5))?.membership === null);
    expect(receiver.users.get(id(4))?.membership).toEqual({ joined_at: JOINED, guild_ids: [OTHER] });
    const leftAll = receiver.batches.flatMap((b) => b.deltas).filter((d) => d.membership === null);
    expect(leftAll.map((d) => d.user_id)).toEqual([id(5)]);
    // A list completing later, with nothing loading, is reconciled at once.
    completeList(router, []);
    reconciler!.request(GUILD);
    await waitFor("again", async () => (await counter("reconciliations", { outcome: "completed" })) === 3);
  });

  it("delivers nothing once stopped, even if the Worker answers later", async () => {
    held([id(7)], [GUILD]);
    // The retry comes 200 to 400 ms after the failure: long after the test has seen it and stopped.
    const router = start({ baseMs: 400, capMs: 400 });
    completeList(router, []);
    receiver.memberPagesFailing = 1;
    reconciler!.request(GUILD);
    await waitFor("the failure", async () => (await counter("reconciliations", { outcome: "failed" })) === 1);
    reconciler!.stop();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(receiver.users.get(id(7))?.membership).not.toBeNull();
    expect(await counter("reconciliations", { outcome: "completed" })).toBe(0);
  });
});
