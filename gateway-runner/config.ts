import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";
import { LEASE_TTL_MS, RunnerId } from "../schemas/gateway-sessions.ts";
import { Snowflake } from "../schemas/snowflake.ts";
import { DEFAULT_SHAPING_OPTIONS, type ShapingOptions } from "../schemas/user-state.ts";

/**
 * The runner's settings: one zod schema, fed from a TOML file and the environment. Every setting has
 * one name; its TOML key is the environment variable in lower case (`FLUSH_WINDOW_MS` is
 * `flush_window_ms`), and the environment wins, so a container can override a baked-in file.
 *
 * Error messages name the setting and where its value came from, and never repeat the value: two of
 * them are secrets.
 */

/** Whole numbers arrive as strings from the environment and as numbers from TOML. */
function integer(min: number, max: number, fallback: number) {
  return z.preprocess(
    (value) => (typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    z
      .int({ error: `must be a whole number from ${min} to ${max}` })
      .min(min, { error: `must be at least ${min}` })
      .max(max, { error: `must be at most ${max}` })
      .default(fallback),
  );
}

/** Lists arrive as "a,b" from the environment and as arrays (or the same string) from TOML. */
function list<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => {
      if (typeof value === "number") return [String(value)];
      if (typeof value !== "string") return Array.isArray(value) ? value.map(String) : value;
      return value
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");
    },
    z.array(item, { error: "must be a comma-separated list or an array" }),
  );
}

function httpUrl(what: string) {
  return z
    .string({ error: `must be ${what}` })
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
      error: `must be ${what} (http:// or https://)`,
    });
}

/**
 * Shard ids: "0,1", "0-3" or a mix ("0-3,6"), or a TOML array of numbers. Ranges are inclusive.
 * Returns null when the text is not such a list, so the schema can say so.
 */
export function parseShardIds(parts: string[]): number[] | null {
  const ids: number[] = [];
  for (const part of parts) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (range) {
      const [start, end] = [Number(range[1]), Number(range[2])];
      if (start > end || end - start > 65_535) return null;
      for (let id = start; id <= end; id++) ids.push(id);
    } else if (/^\d+$/.test(part)) {
      ids.push(Number(part));
    } else {
      return null;
    }
  }
  return ids;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Discord allows far fewer, but the emulator and Discord both refuse shard ids above this. */
const MAX_SHARDS = 65_536;
/** GatewaySessions holds at most this many sessions, so one runner cannot checkpoint more. */
const MAX_SHARDS_PER_RUNNER = 4096;
export const MIN_SECRET_LENGTH = 32;
export const MAX_MONITORED_GUILDS = 100;

export const Settings = z
  .object({
    DISCORD_TOKEN: z
      .string({ error: "is required (the bot token)" })
      .trim()
      .min(1, { error: "is required (the bot token)" })
      .regex(/^\S+$/, { error: "must not contain whitespace" }),
    DISCORD_API_BASE: httpUrl("a URL such as https://discord.com/api").default("https://discord.com/api"),
    SHARD_COUNT: integer(1, MAX_SHARDS, 1),
    SHARD_IDS: list(z.string())
      .transform((parts, ctx) => {
        const ids = parseShardIds(parts);
        if (ids === null) {
          ctx.addIssue({ code: "custom", message: 'must be shard ids such as "0,1" or "0-3"' });
          return z.NEVER;
        }
        return ids;
      })
      .optional(),
    MONITORED_GUILD_IDS: list(Snowflake)
      .refine((ids) => ids.length > 0, { error: "is required: at least one guild id" })
      .refine((ids) => ids.length <= MAX_MONITORED_GUILDS, {
        error: `must list at most ${MAX_MONITORED_GUILDS} guilds`,
      }),
    INGEST_URL: httpUrl("the Worker's ingest URL, e.g. https://porchlight.example/ingest"),
    INGEST_SECRET: z
      .string({ error: "is required (the shared ingest secret)" })
      .min(MIN_SECRET_LENGTH, { error: `must be at least ${MIN_SECRET_LENGTH} characters` }),
    FLUSH_WINDOW_MS: integer(0, 10_000, 0),
    RETRY_BASE_MS: integer(10, 60_000, 250),
    RETRY_CAP_MS: integer(100, 3_600_000, 30_000),
    INGEST_TIMEOUT_MS: integer(100, 120_000, 10_000),
    SESSION_STORE: z
      .string({ error: 'must be "worker" or a file path' })
      .trim()
      .min(1, { error: 'must be "worker" or a file path' })
      .default("worker"),
    CHECKPOINT_INTERVAL_MS: integer(100, 600_000, 2_000),
    RUNNER_ID: RunnerId.optional(),
    LEASE_TTL_MS: integer(LEASE_TTL_MS.min, LEASE_TTL_MS.max, 30_000),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000, 10_000),
    METRICS_PORT: integer(0, 65_535, 9464),
    METRICS_HOST: z.string({ error: "must be a host name or address" }).min(1).default("127.0.0.1"),
    LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info"),
    // Card images into the Worker's R2 (card-image-sync.ts). Off by default: it fetches from the
    // CDN bases below, which must be the Worker's own for the card to find what was stored.
    CARD_IMAGES: z.enum(["on", "off"], { error: 'must be "on" or "off"' }).default("off"),
    CARD_IMAGE_CONCURRENCY: integer(1, 8, 2),
    DISCORD_CDN_BASE: httpUrl("a URL such as https://cdn.discordapp.com").default(
      DEFAULT_SHAPING_OPTIONS.cdnBase,
    ),
    SPOTIFY_CDN_BASE: httpUrl("a URL such as https://i.scdn.co").default(
      DEFAULT_SHAPING_OPTIONS.spotifyCdnBase,
    ),
    MEDIA_PROXY_BASE: httpUrl("a URL such as https://media.discordapp.net").default(
      DEFAULT_SHAPING_OPTIONS.mediaProxyBase,
    ),
  })
  .superRefine((settings, ctx) => {
    for (const id of settings.SHARD_IDS ?? []) {
      if (id >= settings.SHARD_COUNT) {
        ctx.addIssue({
          code: "custom",
          path: ["SHARD_IDS"],
          message: `shard ${id} does not exist: ids run from 0 to SHARD_COUNT - 1 (${settings.SHARD_COUNT - 1})`,
        });
        return;
      }
    }
    const ids = settings.SHARD_IDS ?? { length: settings.SHARD_COUNT };
    if (ids.length > MAX_SHARDS_PER_RUNNER) {
      ctx.addIssue({
        code: "custom",
        path: [settings.SHARD_IDS ? "SHARD_IDS" : "SHARD_COUNT"],
        message: `one runner runs at most ${MAX_SHARDS_PER_RUNNER} shards (the session store's limit); set SHARD_IDS to a part of them`,
      });
    }
    if (settings.SHARD_IDS && new Set(settings.SHARD_IDS).size !== settings.SHARD_IDS.length) {
      ctx.addIssue({ code: "custom", path: ["SHARD_IDS"], message: "must not repeat a shard id" });
    }
    if (settings.RETRY_CAP_MS < settings.RETRY_BASE_MS) {
      ctx.addIssue({ code: "custom", path: ["RETRY_CAP_MS"], message: "must be at least RETRY_BASE_MS" });
    }
  });

export type SettingName = keyof z.input<typeof Settings>;

/** Settings without a default, and what each one is. */
const REQUIRED: Partial<Record<SettingName, string>> = {
  DISCORD_TOKEN: "the bot token",
  MONITORED_GUILD_IDS: "the guilds whose members are watched",
  INGEST_URL: "the Worker's ingest URL",
  INGEST_SECRET: "the shared ingest secret",
};
export const SETTING_NAMES = Object.keys(Settings.shape) as SettingName[];

export type SessionStoreSetting = { kind: "worker" } | { kind: "file"; path: string };

export interface RunnerConfig {
  discordToken: string;
  discordApiBase: string;
  shardCount: number;
  shardIds: number[];
  monitoredGuildIds: string[];
  ingestUrl: string;
  ingestSecret: string;
  flushWindowMs: number;
  retryBaseMs: number;
  retryCapMs: number;
  ingestTimeoutMs: number;
  sessionStore: SessionStoreSetting;
  checkpointIntervalMs: number;
  /** This process in the shard leases (SESSION_STORE=worker): RUNNER_ID, or host name and pid. */
  runnerId: string;
  leaseTtlMs: number;
  shutdownTimeoutMs: number;
  metricsPort: number;
  metricsHost: string;
  logLevel: LogLevel;
  /** Card images copied to the Worker's R2 (CARD_IMAGES=on), or null when off. */
  cardImages: { concurrency: number; shaping: ShapingOptions } | null;
}

/** A setting that failed, or a file that could not be read: the message is safe to print. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Where the raw values come from: the environment, and optionally a parsed TOML table. */
export interface ConfigSources {
  env: Record<string, string | undefined>;
  file?: { path: string; table: Record<string, unknown> };
}

/** Validates the merged settings; throws a ConfigError listing every problem, one per line. */
export function parseConfig({ env, file }: ConfigSources): RunnerConfig {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  const fileLabel = file ? `${file.path}` : "";

  for (const key of Object.keys(file?.table ?? {})) {
    const name = key.toUpperCase() as SettingName;
    if (key !== key.toLowerCase() || !SETTING_NAMES.includes(name)) {
      problems.push(
        `${key} (in ${fileLabel}): unknown setting; known: ${SETTING_NAMES.map(toKey).join(", ")}`,
      );
      continue;
    }
    raw[name] = file?.table[key];
    origin.set(name, `${key} (in ${fileLabel})`);
  }
  for (const name of SETTING_NAMES) {
    const value = env[name];
    // An empty variable counts as unset, as shells and compose files often leave them so.
    if (value === undefined || value === "") continue;
    raw[name] = value;
    origin.set(name, `${name} (environment)`);
  }

  for (const [name, what] of Object.entries(REQUIRED)) {
    if (raw[name] === undefined) {
      problems.push(
        `${name}: is required (${what}); set it in the environment or as ${toKey(name)} in the config file`,
      );
    }
  }
  const parsed = Settings.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [name = "config", ...rest] = issue.path.map(String);
      if (raw[name] === undefined && name in REQUIRED) continue;
      // A list item is named by its position, counting from 1 as a person would.
      const item = rest.length > 0 && /^\d+$/.test(rest[0]!) ? ` item ${Number(rest[0]) + 1}` : "";
      problems.push(`${origin.get(name) ?? name}${item}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
  const s = parsed.data!;
  return {
    discordToken: s.DISCORD_TOKEN,
    discordApiBase: s.DISCORD_API_BASE,
    shardCount: s.SHARD_COUNT,
    shardIds: s.SHARD_IDS ?? Array.from({ length: s.SHARD_COUNT }, (_, id) => id),
    monitoredGuildIds: [...new Set(s.MONITORED_GUILD_IDS)],
    ingestUrl: s.INGEST_URL,
    ingestSecret: s.INGEST_SECRET,
    flushWindowMs: s.FLUSH_WINDOW_MS,
    retryBaseMs: s.RETRY_BASE_MS,
    retryCapMs: s.RETRY_CAP_MS,
    ingestTimeoutMs: s.INGEST_TIMEOUT_MS,
    sessionStore: s.SESSION_STORE === "worker" ? { kind: "worker" } : { kind: "file", path: s.SESSION_STORE },
    checkpointIntervalMs: s.CHECKPOINT_INTERVAL_MS,
    runnerId:
      s.RUNNER_ID ??
      `${hostname()
        .replace(/[^A-Za-z0-9._:-]/g, "-")
        .slice(0, 100)}-${process.pid}`,
    leaseTtlMs: s.LEASE_TTL_MS,
    shutdownTimeoutMs: s.SHUTDOWN_TIMEOUT_MS,
    metricsPort: s.METRICS_PORT,
    metricsHost: s.METRICS_HOST,
    logLevel: s.LOG_LEVEL,
    cardImages:
      s.CARD_IMAGES === "on"
        ? {
            concurrency: s.CARD_IMAGE_CONCURRENCY,
            shaping: {
              cdnBase: s.DISCORD_CDN_BASE,
              spotifyCdnBase: s.SPOTIFY_CDN_BASE,
              mediaProxyBase: s.MEDIA_PROXY_BASE,
            },
          }
        : null,
  };
}

function toKey(name: string): string {
  return name.toLowerCase();
}

/**
 * Parses TOML text. smol-toml's own message quotes the offending line, which may hold the token or
 * the secret, so only the position is kept.
 */
export function parseTomlTable(path: string, text: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ConfigError(`${path}: invalid TOML at line ${error.line}, column ${error.column}`);
    }
    throw new ConfigError(`${path}: invalid TOML`);
  }
}

export const USAGE =
  "usage: node gateway-runner/main.ts [--config runner.toml]  (or PORCHLIGHT_CONFIG=runner.toml)";

/** Reads `--config <path>` (or PORCHLIGHT_CONFIG), then the file and the environment. */
export async function loadConfig(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<RunnerConfig> {
  let path: string | undefined;
  try {
    path = parseArgs({ args: argv, options: { config: { type: "string" } }, strict: true }).values.config;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n${USAGE}`);
  }
  path ??= env.PORCHLIGHT_CONFIG || undefined;
  if (path === undefined) return parseConfig({ env });
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new ConfigError(`${path}: cannot read the config file (${code})`);
  }
  return parseConfig({ env, file: { path, table: parseTomlTable(path, text) } });
}
