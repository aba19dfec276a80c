/** Discord's epoch (2015-01-01T00:00:00Z): snowflakes count milliseconds from here. */
export const DISCORD_EPOCH = 1_420_070_400_000;

/** A snowflake for a moment and a per-process increment, laid out as Discord does (42 bits of time). */
export function snowflake(timestampMs: number, increment: number): string {
  return ((BigInt(timestampMs - DISCORD_EPOCH) << 22n) | BigInt(increment & 0xfff)).toString();
}

/** When a snowflake was minted, in milliseconds since the Unix epoch. */
export function snowflakeTime(id: string): number {
  return Number(BigInt(id) >> 22n) + DISCORD_EPOCH;
}

/** The shard that receives a guild's events: (guild_id >> 22) % num_shards. DMs go to shard 0. */
export function shardForGuild(guildId: string | null | undefined, shardCount: number): number {
  if (!guildId) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Discord ids are 17 to 20 digit decimal strings. */
export const SNOWFLAKE_PATTERN = /^\d{17,20}$/;

export function isSnowflake(value: unknown): value is string {
  return typeof value === "string" && SNOWFLAKE_PATTERN.test(value);
}

/** Mints increasing snowflakes: one generator per emulator, so ids never collide inside it. */
export class SnowflakeGenerator {
  #increment = 0;
  #last = 0;

  next(now = Date.now()): string {
    // Keep ids strictly increasing even when the clock stands still or steps back.
    const ts = Math.max(now, this.#last);
    if (ts !== this.#last) this.#increment = 0;
    this.#last = ts;
    const id = snowflake(ts, this.#increment++);
    if (this.#increment > 0xfff) {
      this.#last += 1;
      this.#increment = 0;
    }
    return id;
  }
}
