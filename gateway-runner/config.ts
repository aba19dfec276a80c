import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import {
  ActivityType,
  type GatewayPresenceUpdateData,
  type PresenceUpdateStatus,
} from "discord-api-types/v10";
import { parse as parseToml, TomlError } from "smol-toml";
import { z } from "zod";
import { LEASE_TTL_MS, RunnerId } from "../schemas/gateway-sessions.ts";
import { Snowflake } from "../schemas/snowflake.ts";
import { DEFAULT_SHAPING_OPTIONS, type ShapingOptions } from "../schemas/user-state.ts";
import { EVENT_SINK_NAMES, type EventSinkName } from "./event-sinks.ts";
import { PRESENCE_INTENTS } from "./gateway.ts";
import { intentsForEvents, parseForwardEvents, parseIntents } from "./intents.ts";

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

/** A setting's value through one of intents.ts's readers: its error becomes the setting's. */
function checked<T>(read: (value: never) => { error: string } | T) {
  return (value: unknown, ctx: z.RefinementCtx): T => {
    const result = read(value as never);
    if (result && typeof result === "object" && "error" in result) {
      ctx.addIssue({ code: "custom", message: result.error });
      return z.NEVER;
    }
    return result as T;
  };
}

/** The bot's own presence (Spectacles' [presence]): PRESENCE_ACTIVITY_TYPE's names. */
const ACTIVITY_TYPES = {
  playing: ActivityType.Playing,
  listening: ActivityType.Listening,
  watching: ActivityType.Watching,
  competing: ActivityType.Competing,
  custom: ActivityType.Custom,
} as const;
const PRESENCE_STATUSES = ["online", "idle", "dnd", "invisible"] as const;

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
    // "auto": GET /gateway/bot's recommendation, read when the runner starts.
    SHARD_COUNT: z
      .unknown()
      .optional()
      .transform((value, ctx): number | "auto" => {
        if (typeof value === "string" && value.trim().toLowerCase() === "auto") return "auto";
        const count = integer(1, MAX_SHARDS, 1).safeParse(value);
        if (count.success) return count.data;
        const message = count.error.issues[0]?.message ?? "is invalid";
        ctx.addIssue({
          code: "custom",
          message: message.startsWith("must be a whole number") ? `${message}, or "auto"` : message,
        });
        return z.NEVER;
      }),
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
      })
      .optional(),
    INGEST_URL: httpUrl("the Worker's ingest URL, e.g. https://porchlight.example/ingest").optional(),
    INGEST_SECRET: z
      .string({ error: "is required (the shared ingest secret)" })
      .min(MIN_SECRET_LENGTH, { error: `must be at least ${MIN_SECRET_LENGTH} characters` })
      .optional(),
    // Spectacles' `events`: dispatches forwarded to EVENT_SINKS beside the presence path.
    FORWARD_EVENTS: list(z.string()).transform(checked(parseForwardEvents)).default({ events: [] }),
    EVENT_SINKS: list(
      z.enum(EVENT_SINK_NAMES, { error: `must list sinks among ${EVENT_SINK_NAMES.join(", ")}` }),
    )
      .refine((sinks) => sinks.length > 0, { error: `must name a sink: ${EVENT_SINK_NAMES.join(", ")}` })
      .default(["stdout"]),
    // Intents beyond what the presence path and FORWARD_EVENTS need (MessageContent, say).
    INTENTS: z
      .union([z.string(), z.number(), z.array(z.string())], { error: "must be intent names or a bitfield" })
      .transform(checked(parseIntents))
      .optional(),
    // Off by default: zlib-stream sends 7× fewer bytes but costs @discordjs/ws's node:zlib inflater
    // about 9× the CPU per event (BENCHMARKS.md, "Events"); a container's inbound bytes are free on
    // Cloudflare and its CPU is what runs out. On where bandwidth is metered or slow.
    COMPRESSION: z
      .enum(["zlib-stream", "none"], { error: 'must be "zlib-stream" or "none"' })
      .default("none"),
    RESUME_TIMEOUT_MS: integer(1_000, 600_000, 15_000),
    PRESENCE_STATUS: z
      .enum(PRESENCE_STATUSES, { error: `must be one of ${PRESENCE_STATUSES.join(", ")}` })
      .optional(),
    PRESENCE_ACTIVITY: z
      .string({ error: "must be the activity's text" })
      .trim()
      .min(1, { error: "must not be empty" })
      .max(128, { error: "must be at most 128 characters" })
      .optional(),
    PRESENCE_ACTIVITY_TYPE: z
      .enum(Object.keys(ACTIVITY_TYPES) as [keyof typeof ACTIVITY_TYPES], {
        error: `must be one of ${Object.keys(ACTIVITY_TYPES).join(", ")}`,
      })
      .default("playing"),
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
    const count = settings.SHARD_COUNT === "auto" ? MAX_SHARDS : settings.SHARD_COUNT;
    for (const id of settings.SHARD_IDS ?? []) {
      if (id >= count) {
        ctx.addIssue({
          code: "custom",
          path: ["SHARD_IDS"],
          message: `shard ${id} does not exist: ids run from 0 to SHARD_COUNT - 1 (${count - 1})`,
        });
        return;
      }
    }
    const ids = settings.SHARD_IDS ?? { length: settings.SHARD_COUNT === "auto" ? 0 : settings.SHARD_COUNT };
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

/**
 * Settings without a default that this configuration needs, and what each one is. A runner that only
 * forwards events needs no guilds to watch, and no Worker unless a sink or its sessions live there.
 */
function requiredSettings(raw: Record<string, unknown>): Partial<Record<SettingName, string>> {
  const required: Partial<Record<SettingName, string>> = { DISCORD_TOKEN: "the bot token" };
  const presence = raw.FORWARD_EVENTS === undefined || raw.MONITORED_GUILD_IDS !== undefined;
  if (presence) required.MONITORED_GUILD_IDS = "the guilds whose members are watched";
  const sinks = String(raw.EVENT_SINKS ?? "");
  const sessionsInWorker = raw.SESSION_STORE === undefined || String(raw.SESSION_STORE).trim() === "worker";
  if (presence || sessionsInWorker || (raw.FORWARD_EVENTS !== undefined && sinks.includes("queue"))) {
    required.INGEST_URL = "the Worker's ingest URL";
    required.INGEST_SECRET = "the shared ingest secret";
  }
  return required;
}
export const SETTING_NAMES = Object.keys(Settings.shape) as SettingName[];

export type SessionStoreSetting = { kind: "worker" } | { kind: "file"; path: string };

export interface RunnerConfig {
  discordToken: string;
  discordApiBase: string;
  /** "auto": GET /gateway/bot's recommendation (resolveShards). */
  shardCount: number | "auto";
  /** null: every shard of the count (known once "auto" is resolved). */
  shardIds: number[] | null;
  /** Empty: no presence path, only FORWARD_EVENTS. */
  monitoredGuildIds: string[];
  /** null only for a runner that needs no Worker (events to stdout, sessions in a file). */
  ingestUrl: string | null;
  ingestSecret: string | null;
  /** Dispatch names forwarded to `eventSinks`. */
  forwardEvents: string[];
  eventSinks: EventSinkName[];
  /** Everything IDENTIFY asks for: the presence path's, the forwarded events', and INTENTS. */
  intents: number;
  /** Transport compression (zlib-stream). */
  compress: boolean;
  resumeTimeoutMs: number;
  /** The bot's own presence, sent with IDENTIFY; null: Discord's default. */
  presence: GatewayPresenceUpdateData | null;
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

  const required = requiredSettings(raw);
  for (const [name, what] of Object.entries(required)) {
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
      if (raw[name] === undefined && name in required) continue;
      // A list item is named by its position, counting from 1 as a person would.
      const item = rest.length > 0 && /^\d+$/.test(rest[0]!) ? ` item ${Number(rest[0]) + 1}` : "";
      problems.push(`${origin.get(name) ?? name}${item}: ${issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
  const s = parsed.data!;
  const monitoredGuildIds = [...new Set(s.MONITORED_GUILD_IDS ?? [])];
  const forwardEvents = s.FORWARD_EVENTS.events;
  return {
    discordToken: s.DISCORD_TOKEN,
    discordApiBase: s.DISCORD_API_BASE,
    shardCount: s.SHARD_COUNT,
    shardIds: s.SHARD_IDS ?? (s.SHARD_COUNT === "auto" ? null : allShards(s.SHARD_COUNT)),
    monitoredGuildIds,
    ingestUrl: s.INGEST_URL ?? null,
    ingestSecret: s.INGEST_SECRET ?? null,
    forwardEvents,
    eventSinks: [...new Set(s.EVENT_SINKS)],
    intents:
      (monitoredGuildIds.length > 0 ? PRESENCE_INTENTS : 0) |
      intentsForEvents(forwardEvents) |
      (s.INTENTS?.bits ?? 0),
    compress: s.COMPRESSION === "zlib-stream",
    resumeTimeoutMs: s.RESUME_TIMEOUT_MS,
    presence: botPresence(s.PRESENCE_STATUS, s.PRESENCE_ACTIVITY, s.PRESENCE_ACTIVITY_TYPE),
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

export function allShards(count: number): number[] {
  return Array.from({ length: count }, (_, id) => id);
}

/** IDENTIFY's presence from PRESENCE_*; a custom status carries its text as `state`, as Discord shows it. */
function botPresence(
  status: (typeof PRESENCE_STATUSES)[number] | undefined,
  activity: string | undefined,
  type: keyof typeof ACTIVITY_TYPES,
): GatewayPresenceUpdateData | null {
  if (status === undefined && activity === undefined) return null;
  const activities =
    activity === undefined
      ? []
      : [
          type === "custom"
            ? { name: "Custom Status", type: ActivityType.Custom, state: activity }
            : { name: activity, type: ACTIVITY_TYPES[type] },
        ];
  return {
    since: null,
    afk: false,
    status: (status ?? "online") as PresenceUpdateStatus,
    activities,
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
