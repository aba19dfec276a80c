import { ApplicationFlags, GatewayCloseCodes, GatewayIntentBits } from "discord-api-types/v10";
import { type Rejection, reject } from "./protocol.ts";

/**
 * Validation of IDENTIFY and RESUME payloads, mapping each mistake to the close code Discord uses.
 * `properties` and `compress` are accepted without checks: the emulator has no use for them
 * (payload compression is never applied; transport compression is chosen in the URL). `presence`
 * is kept as sent, for the control API to show what the bot asked to appear as.
 */

export interface IdentifyRequest {
  intents: number;
  shardId: number;
  shardCount: number;
  /** READY echoes `shard` only when IDENTIFY sent one. */
  shardGiven: boolean;
  largeThreshold: number;
  /** IDENTIFY's `presence` as sent, or null. */
  presence: unknown;
}

export interface ResumeRequest {
  sessionId: string;
  seq: number;
}

export const LARGE_THRESHOLD = { min: 50, max: 250, default: 50 } as const;

const KNOWN_INTENTS = Object.values(GatewayIntentBits)
  .filter((bit): bit is number => typeof bit === "number")
  .reduce((all, bit) => all | bit, 0);

/** Each privileged intent and the application flags (full or "limited" for unverified apps) that allow it. */
const PRIVILEGED_INTENTS = [
  {
    intent: GatewayIntentBits.GuildPresences,
    flags: ApplicationFlags.GatewayPresence | ApplicationFlags.GatewayPresenceLimited,
  },
  {
    intent: GatewayIntentBits.GuildMembers,
    flags: ApplicationFlags.GatewayGuildMembers | ApplicationFlags.GatewayGuildMembersLimited,
  },
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** 4013 for an intents value that is not a bitfield of known intents, 4014 for a privileged one not enabled. */
export function checkIntents(intents: unknown, applicationFlags: number): Rejection | null {
  if (typeof intents !== "number" || !Number.isInteger(intents) || intents < 0 || intents >= 2 ** 31) {
    return reject(
      GatewayCloseCodes.InvalidIntents,
      "Invalid intent(s): intents must be a non-negative integer",
    );
  }
  const unknown = intents & ~KNOWN_INTENTS;
  if (unknown !== 0)
    return reject(GatewayCloseCodes.InvalidIntents, `Invalid intent(s): unknown bits ${unknown}`);
  for (const { intent, flags } of PRIVILEGED_INTENTS) {
    if ((intents & intent) !== 0 && (applicationFlags & flags) === 0) {
      return reject(
        GatewayCloseCodes.DisallowedIntents,
        `Disallowed intent(s): ${GatewayIntentBits[intent]} is not enabled for this application`,
      );
    }
  }
  return null;
}

function parseShard(shard: unknown): [number, number] | Rejection {
  if (shard === undefined || shard === null) return [0, 1];
  if (!Array.isArray(shard) || shard.length !== 2 || !shard.every(Number.isInteger)) {
    return reject(GatewayCloseCodes.InvalidShard, "Invalid shard: expected [shard_id, num_shards]");
  }
  const [id, count] = shard as [number, number];
  if (count < 1 || id < 0 || id >= count) {
    return reject(GatewayCloseCodes.InvalidShard, `Invalid shard: [${id}, ${count}]`);
  }
  return [id, count];
}

/** Discord keeps large_threshold within 50-250: a value outside is clamped, a non-integer refused. */
function parseLargeThreshold(value: unknown): number | Rejection {
  if (value === undefined || value === null) return LARGE_THRESHOLD.default;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return reject(
      GatewayCloseCodes.UnknownOpcode,
      "Invalid payload for IDENTIFY: large_threshold must be an integer",
    );
  }
  return Math.min(LARGE_THRESHOLD.max, Math.max(LARGE_THRESHOLD.min, value));
}

export function parseIdentify(
  d: unknown,
  app: { botToken: string; flags: number },
): IdentifyRequest | Rejection {
  if (!isObject(d))
    return reject(GatewayCloseCodes.UnknownOpcode, "Invalid payload for IDENTIFY: d must be an object");
  if (d.token !== app.botToken)
    return reject(GatewayCloseCodes.AuthenticationFailed, "Authentication failed");
  const intentsProblem = checkIntents(d.intents, app.flags);
  if (intentsProblem) return intentsProblem;
  const shard = parseShard(d.shard);
  if (!Array.isArray(shard)) return shard;
  const largeThreshold = parseLargeThreshold(d.large_threshold);
  if (typeof largeThreshold !== "number") return largeThreshold;
  return {
    intents: d.intents as number,
    shardId: shard[0],
    shardCount: shard[1],
    shardGiven: d.shard !== undefined && d.shard !== null,
    largeThreshold,
    presence: d.presence ?? null,
  };
}

/** A RESUME's token is checked like IDENTIFY's; a seq that is not a sequence number is 4007. */
export function parseResume(d: unknown, botToken: string): ResumeRequest | Rejection {
  if (!isObject(d))
    return reject(GatewayCloseCodes.UnknownOpcode, "Invalid payload for RESUME: d must be an object");
  if (d.token !== botToken) return reject(GatewayCloseCodes.AuthenticationFailed, "Authentication failed");
  if (typeof d.session_id !== "string") {
    return reject(GatewayCloseCodes.UnknownOpcode, "Invalid payload for RESUME: session_id must be a string");
  }
  if (typeof d.seq !== "number" || !Number.isInteger(d.seq) || d.seq < 0) {
    return reject(GatewayCloseCodes.InvalidSeq, "Invalid seq: must be a non-negative integer");
  }
  return { sessionId: d.session_id, seq: d.seq };
}
