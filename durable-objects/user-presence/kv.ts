import { KEY_PATTERN, KV_LIMITS, type KvErrorCode } from "../../schemas/kv.ts";
import type { KeyValues } from "../../schemas/user-state.ts";

/**
 * The key-value rules as pure functions: an operation on a user's pairs either yields the new
 * pairs whole or an error naming the broken limit, never a partial write. The user's object
 * stores the result in one transaction.
 */

export type KvOperation =
  /** PUT: create or replace one key. */
  | { kind: "set"; key: string; value: unknown }
  /** Lantern's PATCH of one key: only an existing key. */
  | { kind: "update"; key: string; value: unknown }
  /** Lanyard's PATCH: merge several pairs at once. */
  | { kind: "merge"; pairs: unknown }
  | { kind: "delete"; key: string; mustExist: boolean }
  | { kind: "reset" };

export interface KvError {
  code: KvErrorCode;
  /** 400 for a malformed request, 404 for a missing key, 413 for a limit. */
  status: 400 | 404 | 413;
  message: string;
}

export type KvOutcome = { ok: true; pairs: KeyValues; changed: boolean } | { ok: false; error: KvError };

export function applyKv(pairs: Readonly<KeyValues>, op: KvOperation): KvOutcome {
  switch (op.kind) {
    case "set":
    case "update": {
      const problem = checkKey(op.key) ?? checkValue(op.value);
      if (problem) return { ok: false, error: problem };
      const exists = Object.hasOwn(pairs, op.key);
      if (op.kind === "update" && !exists)
        return refuse("key_not_found", 404, `Key ${op.key} does not exist.`);
      if (!exists && Object.keys(pairs).length >= KV_LIMITS.maxPairs) return tooMany();
      if (exists && pairs[op.key] === op.value) return { ok: true, pairs: { ...pairs }, changed: false };
      return { ok: true, pairs: { ...pairs, [op.key]: op.value as string }, changed: true };
    }
    case "merge": {
      if (typeof op.pairs !== "object" || op.pairs === null || Array.isArray(op.pairs)) {
        return refuse("invalid_body", 400, "The body must be a JSON object of string values.");
      }
      const next: KeyValues = { ...pairs };
      let changed = false;
      for (const [key, value] of Object.entries(op.pairs)) {
        const problem = checkKey(key) ?? checkValue(value);
        if (problem) return { ok: false, error: problem };
        if (next[key] !== value) changed = true;
        // Not `next[key] = value`: a key named __proto__ would set the prototype, not a pair.
        Object.defineProperty(next, key, { value, enumerable: true, writable: true, configurable: true });
      }
      if (Object.keys(next).length > KV_LIMITS.maxPairs) return tooMany();
      return { ok: true, pairs: next, changed };
    }
    case "delete": {
      const problem = checkKey(op.key);
      if (problem) return { ok: false, error: problem };
      if (!Object.hasOwn(pairs, op.key)) {
        if (op.mustExist) return refuse("key_not_found", 404, `Key ${op.key} does not exist.`);
        return { ok: true, pairs: { ...pairs }, changed: false };
      }
      const next = { ...pairs };
      delete next[op.key];
      return { ok: true, pairs: next, changed: true };
    }
    case "reset":
      return { ok: true, pairs: {}, changed: Object.keys(pairs).length > 0 };
  }
}

function checkKey(key: string): KvError | null {
  if (KEY_PATTERN.test(key)) return null;
  return {
    code: "invalid_key",
    status: key.length > KV_LIMITS.maxKeyLength ? 413 : 400,
    message: `Key must be 1 to ${KV_LIMITS.maxKeyLength} letters, digits or underscores.`,
  };
}

function checkValue(value: unknown): KvError | null {
  if (typeof value !== "string") {
    return { code: "invalid_value", status: 400, message: "A value must be a string." };
  }
  if (value.length > KV_LIMITS.maxValueLength) {
    return {
      code: "value_too_long",
      status: 413,
      message: `A value is at most ${KV_LIMITS.maxValueLength} characters; this one has ${value.length}.`,
    };
  }
  return null;
}

function tooMany(): KvOutcome {
  return refuse("too_many_pairs", 413, `A user keeps at most ${KV_LIMITS.maxPairs} pairs.`);
}

function refuse(code: KvErrorCode, status: KvError["status"], message: string): KvOutcome {
  return { ok: false, error: { code, status, message } };
}
