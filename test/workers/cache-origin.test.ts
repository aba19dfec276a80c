import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cacheOrigin, DEFAULT_CACHE_ORIGIN, type Env } from "../../settings/env.ts";
import { createApp } from "../../workers/app.ts";
import { ingest, joined, monitored, nextVersion } from "./helpers.ts";

/**
 * Cached reads are keyed under one canonical origin, not the Host a request came with: ingest
 * purges under whatever Host the runner uses, and a reader's Host must not keep the old payload.
 */

const hosts = ["http://localhost:8787", "http://127.0.0.1:8787", "https://porchlight.example.com"];

async function usernameVia(host: string, path: string): Promise<{ name: string; cache: string | null }> {
  const res = await exports.default.fetch(`${host}${path}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    metadata?: { username: string };
    data?: { discord_user: { username: string } };
  };
  return {
    name: body.metadata?.username ?? body.data!.discord_user.username,
    cache: res.headers.get("x-porchlight-cache"),
  };
}

describe("one cache whatever the Host", () => {
  it("a change is visible under every Host at once, in both dialects", async () => {
    const id = "790000000000000001";
    await monitored(id);
    // The first read fills both dialects' entries; every later one, under any Host, finds them.
    const reads = [];
    for (const path of [`/api/v1/users/${id}`, `/v1/users/${id}`]) {
      for (const host of hosts) reads.push((await usernameVia(host, path)).cache);
    }
    expect(reads).toEqual(["miss", "hit", "hit", "hit", "hit", "hit"]);
    expect((await ingest([{ ...joined(id, "renamed"), version: nextVersion() }])).status).toBe(200);
    for (const path of [`/api/v1/users/${id}`, `/v1/users/${id}`]) {
      for (const host of hosts)
        expect((await usernameVia(host, path)).name, `${host}${path}`).toBe("renamed");
    }
  });
});

describe("cacheOrigin", () => {
  const env = (PUBLIC_ORIGIN?: string) => ({ PUBLIC_ORIGIN }) as Env;
  it("is PUBLIC_ORIGIN's origin, a fixed one without it, and refuses what is not a URL", () => {
    expect(cacheOrigin(env("https://porchlight.example.com/some/path"))).toBe(
      "https://porchlight.example.com",
    );
    expect(cacheOrigin(env())).toBe(DEFAULT_CACHE_ORIGIN);
    expect(cacheOrigin(env(""))).toBe(DEFAULT_CACHE_ORIGIN);
    expect(() => cacheOrigin(env("porchlight.example.com"))).toThrow(/PUBLIC_ORIGIN/);
    // Parses as a URL, but its origin is "null".
    expect(() => cacheOrigin(env("foo:bar"))).toThrow(/PUBLIC_ORIGIN/);
    expect(() => cacheOrigin(env("ftp://porchlight.example.com"))).toThrow(/PUBLIC_ORIGIN/);
  });
});

describe("a bad PUBLIC_ORIGIN", () => {
  it("answers 500 naming the setting, for reads and ingest alike", async () => {
    const app = createApp();
    const badEnv = { ...env, PUBLIC_ORIGIN: "foo:bar" };
    const ctx = {
      waitUntil: () => {},
      passThroughOnException: () => {},
      props: {},
    } as unknown as ExecutionContext;
    const res = await app.fetch(
      new Request("https://porchlight.test/api/v1/users/790000000000000009"),
      badEnv,
      ctx,
    );
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(/PUBLIC_ORIGIN/);
  });
});
