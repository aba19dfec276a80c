import { createExecutionContext, createScheduledController, listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../workers/index.ts";

/**
 * The cron trigger's handler (workers/runner-container.ts). workerd under vitest runs no containers,
 * so these stop where a container would start: what reaches the GatewayRunner object and what not.
 */

const scheduled = (settings: Record<string, string> = {}) =>
  worker.scheduled(
    createScheduledController({ cron: "* * * * *" }),
    { ...env, ...settings },
    createExecutionContext(),
  );

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the cron trigger", () => {
  it("without the runner's settings, names the missing ones and wakes no object", async () => {
    const warn = vi.spyOn(console, "warn");
    await scheduled();
    const [line] = warn.mock.calls.at(-1) ?? [];
    expect(JSON.parse(String(line))).toEqual({
      msg: "gateway runner not started: settings missing",
      missing: [
        "RUNNER_MONITORED_GUILD_IDS (or RUNNER_FORWARD_EVENTS)",
        "RUNNER_INGEST_URL (or PUBLIC_ORIGIN)",
      ],
    });
    // The secrets are set in the tests' Worker: the line names settings, never values.
    expect(String(line)).not.toContain(env.INGEST_SECRET!);
    expect(await listDurableObjectIds(env.GATEWAY_RUNNER!)).toEqual([]);
  });

  it("with them, starts the one GatewayRunner object's container", async () => {
    await expect(
      scheduled({
        RUNNER_MONITORED_GUILD_IDS: "1191168913349120000",
        PUBLIC_ORIGIN: "https://porchlight.test",
      }),
    ).rejects.toThrow(/Containers have not been enabled/);
    const ids = await listDurableObjectIds(env.GATEWAY_RUNNER!);
    expect(ids.map((id) => id.toString())).toEqual([
      env.GATEWAY_RUNNER!.idFromName("gateway-runner").toString(),
    ]);
  });
});
