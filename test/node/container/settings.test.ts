import { describe, expect, it } from "vitest";
import { parseConfig, SETTING_NAMES } from "../../../gateway-runner/config.ts";
import { FIXED_SETTINGS, runnerEnvironment, SHARED_SETTINGS } from "../../../settings/gateway-runner.ts";

/**
 * The container's environment, made from the Worker's settings (settings/gateway-runner.ts), read by
 * the runner's own configuration (gateway-runner/config.ts), as the container's runner reads it.
 */

const SECRET = "container-test-secret-0123456789abcdefghij";
const TOKEN = "MTE5MTE2ODkxNDIyNzIwMDAwMQ.Emu1at.container-test-token";
const GUILDS = "1191168913349120000,1191168913349120001";

const worker = {
  DISCORD_TOKEN: TOKEN,
  INGEST_SECRET: SECRET,
  PUBLIC_ORIGIN: "https://porchlight.example.com",
  RUNNER_MONITORED_GUILD_IDS: GUILDS,
  // The Worker's own settings and bindings: none of them reaches the runner.
  CACHE_TTL_SECONDS: "5",
  SOCKET_HUBS: "8",
  USER_PRESENCE: { idFromName() {} },
};

describe("the runner container's settings", () => {
  it("reach every setting the runner has, as RUNNER_<NAME>, but the fixed ones", () => {
    const fixed = Object.keys(FIXED_SETTINGS);
    // Names this module knows must be the runner's: a renamed setting fails here.
    for (const name of [...SHARED_SETTINGS, ...fixed, "INGEST_URL"]) expect(SETTING_NAMES).toContain(name);
    for (const name of SETTING_NAMES.filter((name) => !fixed.includes(name))) {
      const result = runnerEnvironment({ ...worker, [`RUNNER_${name}`]: "chosen" });
      expect(result.ok && result.env[name], name).toBe("chosen");
    }
  });

  it("come from the Worker's secrets and RUNNER_ settings, and the runner accepts them", () => {
    const result = runnerEnvironment({
      ...worker,
      RUNNER_SHARD_COUNT: "2",
      RUNNER_LOG_LEVEL: "debug",
      DISCORD_API_BASE: "https://discord.example/api",
    });
    expect(result).toEqual({
      ok: true,
      env: {
        DISCORD_TOKEN: TOKEN,
        INGEST_SECRET: SECRET,
        DISCORD_API_BASE: "https://discord.example/api",
        MONITORED_GUILD_IDS: GUILDS,
        SHARD_COUNT: "2",
        LOG_LEVEL: "debug",
        INGEST_URL: "https://porchlight.example.com/ingest",
        SESSION_STORE: "worker",
        METRICS_HOST: "0.0.0.0",
        METRICS_PORT: "9464",
      },
    });
    if (!result.ok) return;
    const config = parseConfig({ env: result.env });
    expect(config).toMatchObject({
      ingestUrl: "https://porchlight.example.com/ingest",
      monitoredGuildIds: GUILDS.split(","),
      shardIds: [0, 1],
      sessionStore: { kind: "worker" },
      metricsHost: "0.0.0.0",
      metricsPort: 9464,
    });
  });

  it("post to RUNNER_INGEST_URL when set, whatever PUBLIC_ORIGIN is", () => {
    const result = runnerEnvironment({
      ...worker,
      RUNNER_INGEST_URL: "https://porchlight.example.workers.dev/ingest",
    });
    expect(result.ok && result.env.INGEST_URL).toBe("https://porchlight.example.workers.dev/ingest");
  });

  it("keep the store in the Worker and /health reachable, whatever the Worker says", () => {
    const result = runnerEnvironment({
      ...worker,
      RUNNER_SESSION_STORE: "/tmp/sessions.json",
      RUNNER_METRICS_HOST: "127.0.0.1",
      METRICS_PORT: "1",
    });
    expect(result.ok && [result.env.SESSION_STORE, result.env.METRICS_HOST, result.env.METRICS_PORT]).toEqual(
      ["worker", "0.0.0.0", "9464"],
    );
  });

  it("name what is missing, and never a value", () => {
    const result = runnerEnvironment({
      INGEST_SECRET: SECRET,
      RUNNER_MONITORED_GUILD_IDS: " ",
      PUBLIC_ORIGIN: "x",
    });
    expect(result).toEqual({
      ok: false,
      missing: [
        "DISCORD_TOKEN",
        "RUNNER_MONITORED_GUILD_IDS (or RUNNER_FORWARD_EVENTS)",
        "RUNNER_INGEST_URL (or PUBLIC_ORIGIN)",
      ],
    });
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it("starts a runner that only forwards events, with no guilds to watch", () => {
    const { RUNNER_MONITORED_GUILD_IDS: _, ...withoutGuilds } = worker;
    const result = runnerEnvironment({
      ...withoutGuilds,
      RUNNER_FORWARD_EVENTS: "MESSAGE_CREATE",
      RUNNER_EVENT_SINKS: "queue",
    });
    expect(result.ok && [result.env.FORWARD_EVENTS, result.env.EVENT_SINKS]).toEqual([
      "MESSAGE_CREATE",
      "queue",
    ]);
    expect(result.ok && parseConfig({ env: result.env }).monitoredGuildIds).toEqual([]);
  });
});
