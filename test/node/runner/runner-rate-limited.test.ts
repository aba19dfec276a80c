import { afterAll, beforeAll, expect, it } from "vitest";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { differences, expectedUsers } from "./helpers/expected.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { metric } from "./helpers/metrics.ts";
import { waitFor } from "./helpers/wait.ts";

// Discord allows one all-members request per guild per cooldown (30 s; 15 s here) and answers an
// early one with a RATE_LIMITED dispatch. A session invalidated without resume makes the runner
// identify again (about 5 s later: @discordjs/ws spaces IDENTIFYs) and ask for the member list
// again, inside the cooldown; the runner must wait retry_after and ask once more.

const COOLDOWN_MS = 15_000;
const linus = SEED_MEMBERS[2]!;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ emulator: { memberRequestCooldownMs: COOLDOWN_MS } });
  await h.runner.connected;
  await waitFor(
    "the first member list",
    async () =>
      (await metric(h.runner.opsPort, 'porchlight_runner_member_requests_total{outcome="completed"}')) === 1,
  );
});
afterAll(async () => {
  await h?.close();
});

it("retries an all-members request after RATE_LIMITED's retry_after, and reconciles with the list it gets", {
  timeout: 50_000,
}, async () => {
  h.emulator.gateway.invalidate(0, false);
  // The session is gone, so nobody hears this removal; only the next complete member list shows it.
  h.emulator.world.removeMember(SEED.guildId, linus.id);

  await waitFor(
    "RATE_LIMITED",
    async () =>
      (await metric(h.runner.opsPort, 'porchlight_runner_member_requests_total{outcome="rate_limited"}')) ===
      1,
  );
  await waitFor(
    "the retried request to complete",
    async () =>
      (await metric(h.runner.opsPort, 'porchlight_runner_member_requests_total{outcome="completed"}')) === 2,
    { timeoutMs: COOLDOWN_MS + 15_000 },
  );
  const counters = h.emulator.gateway.counters();
  expect(counters.identifies).toBe(2);
  expect(counters.member_requests).toBe(3);
  // Retried once, after the cooldown: an early retry would have been rate limited again.
  expect(counters.member_requests_rate_limited).toBe(1);
  await waitFor("linus to have left", () => h.receiver.users.get(linus.id)?.membership === null);
  expect(differences(h.receiver.users, expectedUsers(h.emulator.world, [SEED.guildId]))).toEqual([]);
});
