import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { INGEST_LIMITS } from "../../schemas/ingest.ts";
import * as ingestSignature from "../../schemas/ingest-signature.ts";
import { BODY_LIMITS } from "../../workers/body.ts";
import * as interactionSignature from "../../workers/bot/signature.ts";
import { issueToken } from "../../workers/write-tokens.ts";
import { BASE, monitored } from "./helpers.ts";

/**
 * Every write route against bodies it must not read whole: a chunked body (no Content-Length)
 * larger than its limit gets 413 after at most the limit has been pulled, and a request without
 * the right credential gets 401 however much invalid JSON it carries, with the body left unread
 * where the credential is a header.
 */

const CHUNK = 64 * 1024;
/** What the runtime may pull ahead of the reader between the client's stream and the Worker. */
const READ_AHEAD = 4 * CHUNK;

/** A body that counts how much of it has been pulled. */
function counted(totalBytes: number, fill = 0x78) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= totalBytes) return controller.close();
        const size = Math.min(CHUNK, totalBytes - pulled);
        // The first byte opens a JSON object that never closes: invalid JSON all the way.
        const chunk = new Uint8Array(size).fill(fill);
        if (pulled === 0) chunk[0] = 0x7b;
        pulled += size;
        controller.enqueue(chunk);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

const send = (method: string, path: string, body: ReadableStream, headers: Record<string, string> = {}) =>
  exports.default.fetch(`${BASE}${path}`, { method, headers, body, duplex: "half" } as RequestInit);

/** Lets the transport settle, so a count taken after it would show any reading that went on. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

type Envelope = "lantern" | "lanyard" | "plain";

interface TokenRoute {
  name: string;
  method: string;
  path: (id: string) => string;
  limit: number;
  envelope: Envelope;
  /** Whether the route takes `@me` for the token's own user. */
  me: boolean;
}

const tokenRoutes: TokenRoute[] = [
  {
    name: "Lantern PUT key",
    method: "PUT",
    path: (id) => `/api/v1/users/${id}/storage/k`,
    limit: BODY_LIMITS.value,
    envelope: "lantern",
    me: false,
  },
  {
    name: "Lantern PATCH key",
    method: "PATCH",
    path: (id) => `/api/v1/users/${id}/storage/k`,
    limit: BODY_LIMITS.value,
    envelope: "lantern",
    me: false,
  },
  {
    name: "Lantern DELETE key",
    method: "DELETE",
    path: (id) => `/api/v1/users/${id}/storage/k`,
    limit: BODY_LIMITS.none,
    envelope: "lantern",
    me: false,
  },
  {
    name: "Lantern DELETE storage",
    method: "DELETE",
    path: (id) => `/api/v1/users/${id}/storage`,
    limit: BODY_LIMITS.none,
    envelope: "lantern",
    me: false,
  },
  {
    name: "Lanyard PUT key",
    method: "PUT",
    path: (id) => `/v1/users/${id}/kv/k`,
    limit: BODY_LIMITS.value,
    envelope: "lanyard",
    me: true,
  },
  {
    name: "Lanyard PATCH merge",
    method: "PATCH",
    path: (id) => `/v1/users/${id}/kv`,
    limit: BODY_LIMITS.merge,
    envelope: "lanyard",
    me: true,
  },
  {
    name: "Lanyard DELETE key",
    method: "DELETE",
    path: (id) => `/v1/users/${id}/kv/k`,
    limit: BODY_LIMITS.none,
    envelope: "lanyard",
    me: true,
  },
];

/** The routes' targets: by id, and by @me where the route takes it. */
const targets = (route: TokenRoute, id: string) => (route.me ? [id, "@me"] : [id]);

// biome-ignore lint/suspicious/noExplicitAny: the error envelopes are read loosely
async function refusal(response: Response): Promise<any> {
  expect(response.headers.get("content-type")).toContain("application/json");
  return response.json();
}

function expectEnvelope(body: unknown, envelope: Envelope, code: string) {
  if (envelope === "lanyard") expect(body).toMatchObject({ success: false, error: { code } });
  else expect(body).toEqual({ error: expect.any(String) });
}

const owner = "1195000000000000001";
const other = "1195000000000000002";
let ownerToken = "";
let otherToken = "";

const pairsOf = async (id: string) =>
  ((await (await exports.default.fetch(`${BASE}/v1/users/${id}`)).json()) as { data: { kv: object } }).data
    .kv;

beforeAll(async () => {
  await monitored(owner, other);
  const [a, b] = [await issueToken(env, owner), await issueToken(env, other)];
  if (!a.ok || !b.ok) throw new Error("could not issue test tokens");
  ownerToken = a.token;
  otherToken = b.token;
  const seeded = await exports.default.fetch(`${BASE}/v1/users/${owner}/kv/k`, {
    method: "PUT",
    headers: { Authorization: ownerToken },
    body: "kept",
  });
  expect(seeded.status).toBe(204);
});

describe("a chunked body over the limit", () => {
  for (const route of tokenRoutes) {
    it(`${route.name}: 413 with the owner's token, at most the limit read, nothing changed`, async () => {
      for (const target of targets(route, owner)) {
        const body = counted(route.limit + 4 * 1024 * 1024);
        const response = await send(route.method, route.path(target), body.stream, {
          Authorization: ownerToken,
        });
        expect(response.status).toBe(413);
        expectEnvelope(await refusal(response), route.envelope, "body_too_large");
        await settle();
        expect(body.pulled()).toBeLessThanOrEqual(route.limit + READ_AHEAD);
      }
      expect(await pairsOf(owner)).toEqual({ k: "kept" });
    });
  }

  const signed = [
    { name: "POST /ingest", method: "POST", path: "/ingest", limit: INGEST_LIMITS.maxBodyBytes },
    {
      name: "PUT /ingest/sessions",
      method: "PUT",
      path: "/ingest/sessions",
      limit: INGEST_LIMITS.maxBodyBytes,
    },
    { name: "POST /interactions", method: "POST", path: "/interactions", limit: BODY_LIMITS.interaction },
  ];
  for (const route of signed) {
    it(`${route.name}: 413 before the signature, at most the limit read`, async () => {
      const body = counted(route.limit + 4 * 1024 * 1024);
      const response = await send(route.method, route.path, body.stream);
      expect(response.status).toBe(413);
      expect((await refusal(response)).error).toContain(String(route.limit));
      await settle();
      expect(body.pulled()).toBeLessThanOrEqual(route.limit + READ_AHEAD);
    });
  }

  it("at the limit's edge: a body of exactly the limit is read whole, one byte more is not", async () => {
    const exact = counted(BODY_LIMITS.value, 0x61);
    const read = await send("PUT", `/v1/users/${other}/kv/big`, exact.stream, { Authorization: otherToken });
    // Read whole and judged on what it says: 256 KiB is over the 30,000-character value limit.
    expect(read.status).toBe(413);
    expect((await refusal(read)).error.code).toBe("value_too_long");
    expect(exact.pulled()).toBe(BODY_LIMITS.value);
    const over = counted(BODY_LIMITS.value + 1, 0x61);
    const refused = await send("PUT", `/v1/users/${other}/kv/big`, over.stream, {
      Authorization: otherToken,
    });
    expect((await refusal(refused)).error.code).toBe("body_too_large");
  });

  it("a DELETE takes no body: one byte is 413, none is a delete", async () => {
    const oneByte = await exports.default.fetch(`${BASE}/v1/users/${other}/kv/gone`, {
      method: "DELETE",
      headers: { Authorization: otherToken },
      body: "x",
    });
    expect(oneByte.status).toBe(413);
    expect((await refusal(oneByte)).error).toEqual({
      code: "body_too_large",
      message: "This request takes no body.",
    });
    const lantern = await exports.default.fetch(`${BASE}/api/v1/users/${other}/storage`, {
      method: "DELETE",
      headers: { Authorization: otherToken },
      body: "x",
    });
    expect(await refusal(lantern)).toEqual({ error: "This request takes no body." });
    const none = await exports.default.fetch(`${BASE}/v1/users/${other}/kv/gone`, {
      method: "DELETE",
      headers: { Authorization: otherToken },
    });
    expect(none.status).toBe(204);
  });
});

describe("a write without the right token, carrying 1 MB of invalid JSON", () => {
  const MB = 1024 * 1024;
  const stranger = "1195000000000000099";

  for (const route of tokenRoutes) {
    it(`${route.name}: 401 before the body is read, for no token, a made-up one or another user's`, async () => {
      const madeUp = `pl_${"A".repeat(43)}`;
      const attempts: [string, Record<string, string>][] = targets(route, owner).flatMap(
        (target): [string, Record<string, string>][] => [
          [target, {}],
          [target, { Authorization: madeUp }],
          [target, { Authorization: `Bearer ${madeUp}` }],
          ...(target === "@me"
            ? []
            : [[target, { Authorization: otherToken }] as [string, Record<string, string>]]),
        ],
      );
      attempts.push([stranger, { Authorization: madeUp }]);
      for (const [target, headers] of attempts) {
        const body = counted(MB);
        const response = await send(route.method, route.path(target), body.stream, headers);
        expect([target, headers.Authorization, response.status]).toEqual([
          target,
          headers.Authorization,
          401,
        ]);
        expectEnvelope(await refusal(response), route.envelope, "no_permission");
        await settle();
        expect(body.pulled()).toBeLessThanOrEqual(READ_AHEAD);
      }
      expect(await pairsOf(owner)).toEqual({ k: "kept" });
    });
  }

  it("a made-up token for a stranger's id never creates that user's object", async () => {
    const ids = await listDurableObjectIds(env.USER_PRESENCE);
    expect(ids.map(String)).not.toContain(String(env.USER_PRESENCE.idFromName(stranger)));
  });

  const now = Date.now();
  const wrongIngest = {
    [ingestSignature.SIGNATURE_HEADER]: `sha256=${"00".repeat(32)}`,
    [ingestSignature.TIMESTAMP_HEADER]: String(now),
  };
  for (const route of [
    { name: "POST /ingest", method: "POST", path: "/ingest", bytes: MB, wrong: wrongIngest },
    { name: "PUT /ingest/sessions", method: "PUT", path: "/ingest/sessions", bytes: MB, wrong: wrongIngest },
    {
      name: "POST /interactions",
      method: "POST",
      path: "/interactions",
      // Its limit is 256 KiB: the largest body it reads at all.
      bytes: BODY_LIMITS.interaction,
      wrong: {
        [interactionSignature.SIGNATURE_HEADER]: "00".repeat(64),
        [interactionSignature.TIMESTAMP_HEADER]: String(Math.floor(now / 1000)),
      },
    },
  ]) {
    it(`${route.name}: 401, not 400, unsigned or wrongly signed`, async () => {
      for (const headers of [{}, route.wrong]) {
        const response = await send(route.method, route.path, counted(route.bytes).stream, headers);
        expect(response.status).toBe(401);
        const reason = (await refusal(response)).reason;
        expect(reason).toBe(headers === route.wrong ? "bad_signature" : "missing_signature");
      }
    });
  }
});
