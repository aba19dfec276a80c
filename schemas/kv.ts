import { z } from "zod";

/**
 * A user's key-value pairs: small strings kept next to their presence, shown as Lantern's
 * `storage` and Lanyard's `kv`. The limits are Lantern's and Lanyard's documented ones, enforced
 * (Lantern documented 512 pairs but never checked): keys are Lantern's alphanumerics plus the
 * underscore Lanyard clients use. The rules live in durable-objects/user-presence/kv.ts.
 */
export const KV_LIMITS = {
  maxKeyLength: 255,
  maxValueLength: 30_000,
  maxPairs: 512,
} as const;

export const KEY_PATTERN = /^[A-Za-z0-9_]{1,255}$/;

export const KvKey = z
  .string()
  .regex(KEY_PATTERN, `a key is 1 to ${KV_LIMITS.maxKeyLength} letters, digits or underscores`)
  .meta({ example: "location" });

/** Length in UTF-16 code units, as JavaScript and Lantern count a string's characters. */
export const KvValue = z
  .string()
  .max(KV_LIMITS.maxValueLength, `a value is at most ${KV_LIMITS.maxValueLength} characters`)
  .meta({ example: "Los Angeles, CA" });

export const KeyValuePairs = z.record(z.string(), z.string()).meta({
  id: "KeyValuePairs",
  description: `At most ${KV_LIMITS.maxPairs} pairs; keys ${KEY_PATTERN.source}, values at most ${KV_LIMITS.maxValueLength} characters.`,
  example: { location: "Los Angeles, CA", mood: "sleepy" },
});

/** Why a write was refused. `limit` names the rule, so a client can tell which one it broke. */
export const KvErrorCode = z.enum([
  "invalid_key",
  "invalid_value",
  "value_too_long",
  "too_many_pairs",
  "key_not_found",
  "invalid_body",
]);
export type KvErrorCode = z.output<typeof KvErrorCode>;
