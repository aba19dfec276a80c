import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig, parseShardIds } from "../../../gateway-runner/config.ts";

const TOKEN = "MTE5MTE2.secret-token.value";
const SECRET = "s".repeat(32);
const GUILD = "1191168914227200002";
const REQUIRED = {
  DISCORD_TOKEN: TOKEN,
  MONITORED_GUILD_IDS: GUILD,
  INGEST_URL: "https://w.example/ingest",
  INGEST_SECRET: SECRET,
};

/** The ConfigError message for these settings, or "ok". */
function problem(env: Record<string, string>, table?: Record<string, unknown>): string {
  try {
    parseConfig({ env, ...(table ? { file: { path: "runner.toml", table } } : {}) });
    return "ok";
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "porchlight-config-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parseConfig", () => {
  it("fills in every default", () => {
    expect(parseConfig({ env: REQUIRED })).toEqual({
      discordToken: TOKEN,
      discordApiBase: "https://discord.com/api",
      shardCount: 1,
      shardIds: [0],
      monitoredGuildIds: [GUILD],
      ingestUrl: "https://w.example/ingest",
      ingestSecret: SECRET,
      flushWindowMs: 0,
      retryBaseMs: 250,
      retryCapMs: 30_000,
      ingestTimeoutMs: 10_000,
      sessionStore: { kind: "worker" },
      checkpointIntervalMs: 2_000,
      runnerId: `${hostname().replace(/[^A-Za-z0-9._:-]/g, "-")}-${process.pid}`,
      leaseTtlMs: 30_000,
      shutdownTimeoutMs: 10_000,
      metricsPort: 9464,
      metricsHost: "127.0.0.1",
      logLevel: "info",
      cardImages: null,
      forwardEvents: [],
      eventSinks: ["stdout"],
      intents: 259,
      compress: false,
      resumeTimeoutMs: 15_000,
      presence: null,
    });
  });

  describe("a standalone gateway (FORWARD_EVENTS)", () => {
    const TOKEN_ONLY = { DISCORD_TOKEN: TOKEN, FORWARD_EVENTS: "message_create, INTERACTION_CREATE" };

    it("needs no guilds and no Worker when events go to stdout and sessions to a file", () => {
      const config = parseConfig({ env: { ...TOKEN_ONLY, SESSION_STORE: "/tmp/sessions.json" } });
      expect(config).toMatchObject({
        forwardEvents: ["MESSAGE_CREATE", "INTERACTION_CREATE"],
        eventSinks: ["stdout"],
        monitoredGuildIds: [],
        ingestUrl: null,
        ingestSecret: null,
        // GuildMessages | DirectMessages: a bot asking for messages gets guild and DM ones; no presence intents.
        intents: (1 << 9) | (1 << 12),
      });
    });

    it("needs the Worker for the queue sink, or for sessions kept there", () => {
      const missing = (env: Record<string, string>) => problem(env).split("\n");
      expect(missing({ ...TOKEN_ONLY, SESSION_STORE: "/tmp/s.json", EVENT_SINKS: "stdout,queue" })).toEqual([
        "INGEST_URL: is required (the Worker's ingest URL); set it in the environment or as ingest_url in the config file",
        "INGEST_SECRET: is required (the shared ingest secret); set it in the environment or as ingest_secret in the config file",
      ]);
      expect(missing(TOKEN_ONLY)).toHaveLength(2);
      expect(
        parseConfig({ env: { ...REQUIRED, FORWARD_EVENTS: "GUILD_MEMBER_ADD", EVENT_SINKS: "queue" } }),
      ).toMatchObject({
        eventSinks: ["queue"],
        intents: 259,
      });
    });

    it("adds INTENTS, as names or a bitfield, to what the events and presences need", () => {
      const intents = (value: string) => parseConfig({ env: { ...REQUIRED, INTENTS: value } }).intents;
      expect(intents("MessageContent")).toBe(259 | (1 << 15));
      expect(intents("GUILD_MESSAGES, message_content")).toBe(259 | (1 << 9) | (1 << 15));
      expect(intents(String(1 << 15))).toBe(259 | (1 << 15));
      expect(problem({ ...REQUIRED, INTENTS: "Nope" })).toMatch(
        /^INTENTS \(environment\): unknown intent "Nope"/,
      );
      expect(problem({ ...REQUIRED, INTENTS: String(1 << 30) })).toMatch(
        /^INTENTS \(environment\): sets bits that are no intent/,
      );
    });

    it("refuses an unknown event, a wildcard and an unknown sink", () => {
      expect(problem({ ...REQUIRED, FORWARD_EVENTS: "MESAGE_CREATE" })).toBe(
        'FORWARD_EVENTS (environment): unknown gateway event "MESAGE_CREATE" (did you mean MESSAGE_CREATE?)',
      );
      expect(problem({ ...REQUIRED, FORWARD_EVENTS: "*" })).toMatch(
        /^FORWARD_EVENTS \(environment\): "\*": wildcards/,
      );
      expect(problem({ ...REQUIRED, EVENT_SINKS: "kafka" })).toBe(
        "EVENT_SINKS (environment) item 1: must list sinks among stdout, queue",
      );
      expect(problem({ ...REQUIRED, EVENT_SINKS: "," })).toBe(
        "EVENT_SINKS (environment): must name a sink: stdout, queue",
      );
    });
  });

  it("reads the bot's own presence from PRESENCE_*", () => {
    const presence = (env: Record<string, string>) => parseConfig({ env: { ...REQUIRED, ...env } }).presence;
    expect(presence({ PRESENCE_STATUS: "dnd" })).toEqual({
      since: null,
      afk: false,
      status: "dnd",
      activities: [],
    });
    expect(presence({ PRESENCE_ACTIVITY: "the porch light" })).toEqual({
      since: null,
      afk: false,
      status: "online",
      activities: [{ name: "the porch light", type: 0 }],
    });
    expect(
      presence({ PRESENCE_ACTIVITY: "for messages", PRESENCE_ACTIVITY_TYPE: "watching" })?.activities,
    ).toEqual([{ name: "for messages", type: 3 }]);
    expect(
      presence({ PRESENCE_ACTIVITY: "On the porch", PRESENCE_ACTIVITY_TYPE: "custom" })?.activities,
    ).toEqual([{ name: "Custom Status", type: 4, state: "On the porch" }]);
    expect(problem({ ...REQUIRED, PRESENCE_STATUS: "busy" })).toBe(
      "PRESENCE_STATUS (environment): must be one of online, idle, dnd, invisible",
    );
    expect(problem({ ...REQUIRED, PRESENCE_ACTIVITY: "x".repeat(129) })).toBe(
      "PRESENCE_ACTIVITY (environment): must be at most 128 characters",
    );
  });

  it("takes SHARD_COUNT=auto, leaving the shards to be read from GET /gateway/bot", () => {
    expect(parseConfig({ env: { ...REQUIRED, SHARD_COUNT: "auto" } })).toMatchObject({
      shardCount: "auto",
      shardIds: null,
    });
    expect(parseConfig({ env: { ...REQUIRED, SHARD_COUNT: "AUTO", SHARD_IDS: "2-3" } }).shardIds).toEqual([
      2, 3,
    ]);
    expect(parseConfig({ env: { ...REQUIRED, COMPRESSION: "zlib-stream" } }).compress).toBe(true);
    expect(problem({ ...REQUIRED, COMPRESSION: "zstd" })).toBe(
      'COMPRESSION (environment): must be "zlib-stream" or "none"',
    );
  });

  it("turns card images on with CARD_IMAGES, from the CDN bases given or Discord's", () => {
    expect(
      parseConfig({
        env: { ...REQUIRED, CARD_IMAGES: "on", DISCORD_CDN_BASE: "http://127.0.0.1:8790/cdn" },
      }).cardImages,
    ).toEqual({
      concurrency: 2,
      shaping: {
        cdnBase: "http://127.0.0.1:8790/cdn",
        spotifyCdnBase: "https://i.scdn.co",
        mediaProxyBase: "https://media.discordapp.net",
      },
    });
    expect(() => parseConfig({ env: { ...REQUIRED, CARD_IMAGES: "yes" } })).toThrow("CARD_IMAGES");
    expect(() => parseConfig({ env: { ...REQUIRED, CARD_IMAGE_CONCURRENCY: "9" } })).toThrow(
      "CARD_IMAGE_CONCURRENCY",
    );
  });

  it("takes RUNNER_ID and LEASE_TTL_MS within their bounds", () => {
    expect(parseConfig({ env: { ...REQUIRED, RUNNER_ID: "eu-1", LEASE_TTL_MS: "3000" } })).toMatchObject({
      runnerId: "eu-1",
      leaseTtlMs: 3_000,
    });
    expect(() => parseConfig({ env: { ...REQUIRED, LEASE_TTL_MS: "2999" } })).toThrow("LEASE_TTL_MS");
    expect(() => parseConfig({ env: { ...REQUIRED, RUNNER_ID: "has space" } })).toThrow("RUNNER_ID");
  });

  it("reads TOML, with the environment winning", () => {
    const config = parseConfig({
      env: { FLUSH_WINDOW_MS: "75", DISCORD_TOKEN: TOKEN },
      file: {
        path: "runner.toml",
        table: {
          discord_token: "from-the-file",
          monitored_guild_ids: [GUILD, "1191168914227200009"],
          ingest_url: "http://127.0.0.1:8787/ingest",
          ingest_secret: SECRET,
          flush_window_ms: 20,
          shard_count: 4,
          shard_ids: [1, 3],
          session_store: "/var/lib/porchlight/sessions.json",
        },
      },
    });
    expect(config).toMatchObject({
      discordToken: TOKEN,
      flushWindowMs: 75,
      monitoredGuildIds: [GUILD, "1191168914227200009"],
      shardCount: 4,
      shardIds: [1, 3],
      sessionStore: { kind: "file", path: "/var/lib/porchlight/sessions.json" },
    });
  });

  it("treats an empty variable as unset", () => {
    expect(parseConfig({ env: { ...REQUIRED, FLUSH_WINDOW_MS: "" } }).flushWindowMs).toBe(0);
  });

  it("parses shard id lists and ranges", () => {
    expect(parseShardIds(["0-3", "6"])).toEqual([0, 1, 2, 3, 6]);
    expect(parseShardIds(["2"])).toEqual([2]);
    expect(parseShardIds(["3-1"])).toBeNull();
    expect(parseShardIds(["one"])).toBeNull();
    expect(parseConfig({ env: { ...REQUIRED, SHARD_COUNT: "8", SHARD_IDS: "0-1, 4" } }).shardIds).toEqual([
      0, 1, 4,
    ]);
  });

  it("names every missing required setting", () => {
    expect(problem({})).toBe(
      [
        "DISCORD_TOKEN: is required (the bot token); set it in the environment or as discord_token in the config file",
        "MONITORED_GUILD_IDS: is required (the guilds whose members are watched); set it in the environment or as monitored_guild_ids in the config file",
        "INGEST_URL: is required (the Worker's ingest URL); set it in the environment or as ingest_url in the config file",
        "INGEST_SECRET: is required (the shared ingest secret); set it in the environment or as ingest_secret in the config file",
      ].join("\n"),
    );
  });

  it.each([
    [{ DISCORD_TOKEN: "two words" }, "DISCORD_TOKEN (environment): must not contain whitespace"],
    [
      { DISCORD_API_BASE: "discord.com" },
      "DISCORD_API_BASE (environment): must be a URL such as https://discord.com/api (http:// or https://)",
    ],
    [
      { INGEST_URL: "ftp://w.example/ingest" },
      "INGEST_URL (environment): must be the Worker's ingest URL, e.g. https://porchlight.example/ingest (http:// or https://)",
    ],
    [{ INGEST_SECRET: "s".repeat(31) }, "INGEST_SECRET (environment): must be at least 32 characters"],
    [
      { MONITORED_GUILD_IDS: `${GUILD},42` },
      "MONITORED_GUILD_IDS (environment) item 2: must be a Discord id (17 to 20 digits)",
    ],
    [{ MONITORED_GUILD_IDS: "," }, "MONITORED_GUILD_IDS (environment): is required: at least one guild id"],
    [{ SHARD_COUNT: "0" }, "SHARD_COUNT (environment): must be at least 1"],
    [{ SHARD_COUNT: "two" }, 'SHARD_COUNT (environment): must be a whole number from 1 to 65536, or "auto"'],
    [{ SHARD_COUNT: "65537", SHARD_IDS: "0" }, "SHARD_COUNT (environment): must be at most 65536"],
    [{ SHARD_IDS: "a-b" }, 'SHARD_IDS (environment): must be shard ids such as "0,1" or "0-3"'],
    [
      { SHARD_COUNT: "2", SHARD_IDS: "1-2" },
      "SHARD_IDS (environment): shard 2 does not exist: ids run from 0 to SHARD_COUNT - 1 (1)",
    ],
    [{ SHARD_COUNT: "2", SHARD_IDS: "1,1" }, "SHARD_IDS (environment): must not repeat a shard id"],
    [
      { SHARD_COUNT: "4097" },
      "SHARD_COUNT (environment): one runner runs at most 4096 shards (the session store's limit); set SHARD_IDS to a part of them",
    ],
    [
      { SHARD_COUNT: "5000", SHARD_IDS: "0-4096" },
      "SHARD_IDS (environment): one runner runs at most 4096 shards (the session store's limit); set SHARD_IDS to a part of them",
    ],
    [{ FLUSH_WINDOW_MS: "1.5" }, "FLUSH_WINDOW_MS (environment): must be a whole number from 0 to 10000"],
    [{ RETRY_BASE_MS: "9" }, "RETRY_BASE_MS (environment): must be at least 10"],
    [{ RETRY_CAP_MS: "3600001" }, "RETRY_CAP_MS (environment): must be at most 3600000"],
    [
      { RETRY_BASE_MS: "500", RETRY_CAP_MS: "400" },
      "RETRY_CAP_MS (environment): must be at least RETRY_BASE_MS",
    ],
    [{ INGEST_TIMEOUT_MS: "99" }, "INGEST_TIMEOUT_MS (environment): must be at least 100"],
    [{ SESSION_STORE: "  " }, 'SESSION_STORE (environment): must be "worker" or a file path'],
    [{ CHECKPOINT_INTERVAL_MS: "600001" }, "CHECKPOINT_INTERVAL_MS (environment): must be at most 600000"],
    [{ SHUTDOWN_TIMEOUT_MS: "-1" }, "SHUTDOWN_TIMEOUT_MS (environment): must be at least 0"],
    [{ METRICS_PORT: "65536" }, "METRICS_PORT (environment): must be at most 65535"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL (environment): must be one of debug, info, warn, error, silent"],
  ])("refuses %j", (bad, message) => {
    expect(problem({ ...REQUIRED, ...bad })).toBe(message);
  });

  it.each([
    ["FLUSH_WINDOW_MS", "0", "-1"],
    ["FLUSH_WINDOW_MS", "10000", "10001"],
    ["METRICS_PORT", "0", "-1"],
    ["METRICS_PORT", "65535", "65536"],
    ["SHUTDOWN_TIMEOUT_MS", "600000", "600001"],
    ["INGEST_SECRET", "s".repeat(32), "s".repeat(31)],
  ])("takes %s=%s at its limit and refuses one past it", (name, ok, tooFar) => {
    expect(problem({ ...REQUIRED, [name]: ok })).toBe("ok");
    expect(problem({ ...REQUIRED, [name]: tooFar })).toMatch(new RegExp(`^${name} \\(environment\\): must`));
  });

  it("takes up to 4096 shards in one runner, out of up to 65536", () => {
    expect(problem({ ...REQUIRED, SHARD_COUNT: "65536", SHARD_IDS: "61440-65535" })).toBe("ok");
  });

  it("takes up to 100 monitored guilds", () => {
    const ids = (n: number) =>
      Array.from({ length: n }, (_, i) => String(1191168914227200000n + BigInt(i))).join(",");
    expect(problem({ ...REQUIRED, MONITORED_GUILD_IDS: ids(100) })).toBe("ok");
    expect(problem({ ...REQUIRED, MONITORED_GUILD_IDS: ids(101) })).toBe(
      "MONITORED_GUILD_IDS (environment): must list at most 100 guilds",
    );
  });

  it("names the file and the key for a bad TOML value, and refuses unknown keys", () => {
    expect(problem({}, { ...lower(REQUIRED), flush_window_ms: "soon" })).toBe(
      "flush_window_ms (in runner.toml): must be a whole number from 0 to 10000",
    );
    expect(problem({}, { ...lower(REQUIRED), flush_window: 20 })).toMatch(
      /^flush_window \(in runner\.toml\): unknown setting; known: discord_token, /,
    );
    expect(problem({}, { ...lower(REQUIRED), FLUSH_WINDOW_MS: 20 })).toMatch(
      /^FLUSH_WINDOW_MS \(in runner\.toml\): unknown setting/,
    );
  });

  it("never repeats a value in a message", () => {
    const message = problem({
      ...REQUIRED,
      INGEST_SECRET: "short-secret-value",
      DISCORD_TOKEN: "tok en-value",
    });
    expect(message).not.toContain("short-secret-value");
    expect(message).not.toContain("en-value");
  });
});

describe("loadConfig", () => {
  it("reads the file named by --config, or by PORCHLIGHT_CONFIG", async () => {
    const path = join(dir, "runner.toml");
    await writeFile(path, tomlOf({ ...lower(REQUIRED), flush_window_ms: 33 }));
    expect((await loadConfig(["--config", path], {})).flushWindowMs).toBe(33);
    expect((await loadConfig([], { PORCHLIGHT_CONFIG: path })).flushWindowMs).toBe(33);
    expect((await loadConfig([], { PORCHLIGHT_CONFIG: path, FLUSH_WINDOW_MS: "44" })).flushWindowMs).toBe(44);
  });

  it("says which file cannot be read, and where TOML is broken without quoting it", async () => {
    await expect(loadConfig(["--config", join(dir, "missing.toml")], {})).rejects.toThrow(
      `${join(dir, "missing.toml")}: cannot read the config file (ENOENT)`,
    );
    const broken = join(dir, "broken.toml");
    await writeFile(broken, `flush_window_ms = 20\ndiscord_token = "${TOKEN}\n`);
    const error = await loadConfig(["--config", broken], {}).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^${broken}: invalid TOML at line 2, column \\d+$`));
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it("refuses unknown arguments", async () => {
    await expect(loadConfig(["--konfig", "x"], {})).rejects.toThrow(/Unknown option '--konfig'/);
  });
});

describe("main.ts with a bad configuration", () => {
  it("exits 2 with the message, and never prints the token or the secret", () => {
    const result = spawnSync(process.execPath, ["gateway-runner/main.ts"], {
      env: { PATH: process.env.PATH, ...REQUIRED, INGEST_SECRET: "too-short-secret", FLUSH_WINDOW_MS: "-1" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      "gateway-runner: invalid configuration\n" +
        "INGEST_SECRET (environment): must be at least 32 characters\n" +
        "FLUSH_WINDOW_MS (environment): must be at least 0\n",
    );
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain("too-short-secret");
  });
});

function lower(env: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k.toLowerCase(), v]));
}

function tomlOf(table: Record<string, unknown>): string {
  return Object.entries(table)
    .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
    .join("\n");
}
