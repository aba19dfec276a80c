import { describe, expect, it } from "vitest";
import { applyKv, type KvOutcome } from "../../durable-objects/user-presence/kv.ts";
import { KV_LIMITS } from "../../schemas/kv.ts";

const full = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
const error = (outcome: KvOutcome) =>
  outcome.ok ? null : { code: outcome.error.code, status: outcome.error.status };

describe("key-value rules at their boundaries", () => {
  it("accepts the 512th pair and refuses the 513th, by PUT and by merge", () => {
    expect(applyKv(full(511), { kind: "set", key: "last", value: "v" })).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(error(applyKv(full(512), { kind: "set", key: "one_more", value: "v" }))).toEqual({
      code: "too_many_pairs",
      status: 413,
    });
    // Replacing a key of a full store adds nothing.
    expect(applyKv(full(512), { kind: "set", key: "k0", value: "w" })).toMatchObject({ ok: true });
    expect(applyKv(full(510), { kind: "merge", pairs: { a: "1", b: "2" } })).toMatchObject({ ok: true });
    expect(error(applyKv(full(510), { kind: "merge", pairs: { a: "1", b: "2", c: "3" } }))).toEqual({
      code: "too_many_pairs",
      status: 413,
    });
  });

  it("accepts a value of 30,000 characters and refuses 30,001", () => {
    const max = "x".repeat(KV_LIMITS.maxValueLength);
    expect(applyKv({}, { kind: "set", key: "big", value: max })).toMatchObject({ ok: true });
    expect(error(applyKv({}, { kind: "set", key: "big", value: `${max}x` }))).toEqual({
      code: "value_too_long",
      status: 413,
    });
  });

  it("accepts keys of 1 to 255 letters, digits and underscores, and nothing else", () => {
    for (const key of ["a", "A_9", "k".repeat(255)]) {
      expect(applyKv({}, { kind: "set", key, value: "v" })).toMatchObject({ ok: true });
    }
    expect(error(applyKv({}, { kind: "set", key: "k".repeat(256), value: "v" }))).toEqual({
      code: "invalid_key",
      status: 413,
    });
    for (const key of ["", "a-b", "a b", "ключ", "a.b", "__proto__x!"]) {
      expect(error(applyKv({}, { kind: "set", key, value: "v" }))).toEqual({
        code: "invalid_key",
        status: 400,
      });
    }
  });

  it("refuses non-string values", () => {
    for (const value of [1, null, true, { a: 1 }, ["a"]]) {
      expect(error(applyKv({}, { kind: "set", key: "k", value }))).toEqual({
        code: "invalid_value",
        status: 400,
      });
    }
  });

  it("merges all or nothing: one bad pair refuses the whole patch", () => {
    const before = { keep: "1" };
    const outcome = applyKv(before, { kind: "merge", pairs: { a: "1", "bad key": "2" } });
    expect(error(outcome)).toEqual({ code: "invalid_key", status: 400 });
    expect(before).toEqual({ keep: "1" });
    for (const pairs of [null, [], "text", 3]) {
      expect(error(applyKv({}, { kind: "merge", pairs }))).toEqual({ code: "invalid_body", status: 400 });
    }
  });

  it("updates only an existing key (Lantern's PATCH), and deletes strictly or leniently", () => {
    expect(error(applyKv({}, { kind: "update", key: "k", value: "v" }))).toEqual({
      code: "key_not_found",
      status: 404,
    });
    expect(applyKv({ k: "a" }, { kind: "update", key: "k", value: "b" })).toEqual({
      ok: true,
      pairs: { k: "b" },
      changed: true,
    });
    expect(error(applyKv({}, { kind: "delete", key: "k", mustExist: true }))).toEqual({
      code: "key_not_found",
      status: 404,
    });
    expect(applyKv({}, { kind: "delete", key: "k", mustExist: false })).toEqual({
      ok: true,
      pairs: {},
      changed: false,
    });
    expect(applyKv({ k: "a", j: "b" }, { kind: "delete", key: "k", mustExist: true })).toEqual({
      ok: true,
      pairs: { j: "b" },
      changed: true,
    });
  });

  it("reports no change when nothing changes, so nobody is notified", () => {
    expect(applyKv({ k: "v" }, { kind: "set", key: "k", value: "v" })).toMatchObject({ changed: false });
    expect(applyKv({ k: "v" }, { kind: "merge", pairs: { k: "v" } })).toMatchObject({ changed: false });
    expect(applyKv({}, { kind: "reset" })).toMatchObject({ changed: false });
    expect(applyKv({ k: "v" }, { kind: "reset" })).toEqual({ ok: true, pairs: {}, changed: true });
  });

  it("treats keys named like Object.prototype members as ordinary keys", () => {
    expect(applyKv({}, { kind: "set", key: "constructor", value: "v" })).toMatchObject({
      ok: true,
      pairs: { constructor: "v" },
    });
    const merged = applyKv({}, { kind: "merge", pairs: JSON.parse('{"__proto__":"v"}') });
    expect(merged.ok && Object.entries(merged.pairs)).toEqual([["__proto__", "v"]]);
    const set = applyKv({}, { kind: "set", key: "__proto__", value: "v" });
    expect(set.ok && Object.entries(set.pairs)).toEqual([["__proto__", "v"]]);
    expect(error(applyKv({}, { kind: "update", key: "toString", value: "v" }))).toEqual({
      code: "key_not_found",
      status: 404,
    });
  });
});
