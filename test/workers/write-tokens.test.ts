import { describe, expect, it } from "vitest";
import {
  generateToken,
  hashesEqual,
  hashToken,
  TOKEN_PATTERN,
  tokenFromHeader,
} from "../../durable-objects/user-presence/tokens.ts";
import { takeWrite } from "../../durable-objects/user-presence/write-limit.ts";

describe("write tokens", () => {
  it("are 256 random bits, never repeated, in a fixed recognisable shape", () => {
    const tokens = new Set(Array.from({ length: 200 }, generateToken));
    expect(tokens.size).toBe(200);
    for (const token of tokens) expect(token).toMatch(TOKEN_PATTERN);
  });

  it("are stored as a SHA-256 that does not contain the token", async () => {
    const token = generateToken();
    const hash = await hashToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(token.slice(3));
    expect(await hashToken(token)).toBe(hash);
    expect(hashesEqual(hash, await hashToken(token))).toBe(true);
    expect(hashesEqual(hash, await hashToken(generateToken()))).toBe(false);
    expect(hashesEqual(hash, hash.slice(1))).toBe(false);
  });

  it("come from the raw Authorization header or a Bearer one; empty or malformed headers carry none", () => {
    const token = generateToken();
    expect(tokenFromHeader(token)).toBe(token);
    expect(tokenFromHeader(`Bearer ${token}`)).toBe(token);
    for (const header of [
      undefined,
      null,
      "",
      " ",
      "Bearer ",
      "pl_short",
      `${token}x`,
      `Basic ${token}`,
      "lnyd_0123",
    ]) {
      expect(tokenFromHeader(header)).toBeNull();
    }
  });
});

describe("per-user write limit", () => {
  it("lets a burst of 30 through, refuses the 31st with a Retry-After, and refills at 1 a second", () => {
    let bucket = null;
    for (let i = 0; i < 30; i++) {
      const decision = takeWrite(bucket, 0);
      expect(decision.allowed).toBe(true);
      bucket = decision.bucket;
    }
    const refused = takeWrite(bucket, 0);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(takeWrite(refused.bucket, 999).allowed).toBe(false);
    expect(takeWrite(refused.bucket, 1000).allowed).toBe(true);
  });

  it("never holds more than the burst however long the user was idle", () => {
    let bucket = takeWrite(null, 0).bucket;
    bucket = { ...bucket, at: -1e9 };
    let allowed = 0;
    for (let i = 0; i < 100; i++) {
      const decision = takeWrite(bucket, 0);
      if (decision.allowed) allowed++;
      bucket = decision.bucket;
    }
    expect(allowed).toBe(30);
  });
});
