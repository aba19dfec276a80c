import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  PorchlightClient,
  PorchlightError,
  PorchlightHttpError,
  PorchlightNetworkError,
  PorchlightTimeoutError,
} from "porchlight/client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readErrorAnswer } from "../../../client/error-body.ts";
import { freePort } from "../../../scripts/lib/processes.ts";

/**
 * The client's transport over real HTTP against a stand-in server that answers what each test
 * scripts (a server that hangs, drops the connection, or fails a set number of times), so that
 * deadlines, retries and error envelopes are checked exactly. The stand-in is the far end only;
 * the client under test is the real one.
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

type Answer = (response: ServerResponse, request: IncomingMessage) => void;

let server: Server;
let url: string;
let seen: Seen[] = [];
let script: Answer[] = [];
/** Answers once the script has run out. */
let fallback: Answer = json(200, { ok: true });

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return (response) => {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(body));
  };
}
const hang: Answer = () => {};
const drop: Answer = (_response, request) => request.socket.destroy();

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      seen.push({
        method: request.method!,
        url: request.url!,
        headers: request.headers,
        body,
        at: Date.now(),
      });
      (script.shift() ?? fallback)(response, request);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  seen = [];
  script = [];
  fallback = json(200, { ok: true });
});

const client = (options: Partial<ConstructorParameters<typeof PorchlightClient>[0]> = {}) =>
  new PorchlightClient({
    url,
    key: "plk_test",
    token: "pl_test",
    retry: { baseMs: 20, maxMs: 50 },
    ...options,
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );

const MESSAGE = { content: "hi" };
const CHANNEL = "1191168914227200003";

describe("deadlines", () => {
  it("a call that gets no answer within its timeoutMs is a PorchlightTimeoutError", async () => {
    fallback = hang;
    const started = Date.now();
    const error = await failure(client().presence.get("1191168918421504000", { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(PorchlightTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen).toHaveLength(1);
  });

  it("the client's timeoutMs is every call's default", async () => {
    fallback = hang;
    const error = await failure(client({ timeoutMs: 200 }).kv.get("1191168918421504000"));
    expect(error).toBeInstanceOf(PorchlightTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 200 });
  });

  it("the caller's AbortSignal ends the call with its own reason", async () => {
    fallback = hang;
    const controller = new AbortController();
    const call = failure(client().presence.get("1191168918421504000", { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reason = new Error("the user left the page");
    controller.abort(reason);
    expect(await call).toBe(reason);
  });

  it("message calls tell the server their deadline, and the server's own timeout answer wins", async () => {
    script = [
      (response, request) => {
        const ms = Number(request.headers["x-porchlight-timeout"]);
        setTimeout(
          () =>
            json(504, {
              error: { type: "timeout", status: 504, code: "proxy_timeout", text: "waited too long" },
            })(response, request),
          ms,
        );
      },
    ];
    const error = await failure(
      client().messages.edit(CHANNEL, "1191168914227200004", MESSAGE, { timeoutMs: 400 }),
    );
    expect(seen[0]!.headers["x-porchlight-timeout"]).toBe("400");
    expect(error).toBeInstanceOf(PorchlightHttpError);
    expect(error).toMatchObject({ status: 504, type: "timeout", code: "proxy_timeout" });
  });

  it("a retried send tells the server the time that is left", async () => {
    script = [json(503, { error: { type: "discord_unavailable", status: 502, code: 0, text: "down" } })];
    const sending = client({ retry: { baseMs: 200, maxMs: 200 } }).messages.send(CHANNEL, MESSAGE, {
      idempotencyKey: "order-1",
      timeoutMs: 5_000,
    });
    await sending;
    expect(seen).toHaveLength(2);
    const [first, second] = seen.map((request) => Number(request.headers["x-porchlight-timeout"]));
    expect(first).toBe(5_000);
    expect(second).toBeLessThan(5_000);
    expect(second).toBeGreaterThan(4_000);
  });
});

describe("no answer at all", () => {
  it("a closed port is a PorchlightNetworkError naming the cause", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const error = await failure(client({ url: closed }).presence.get("1191168918421504000"));
    expect(error).toBeInstanceOf(PorchlightNetworkError);
    expect(error).toBeInstanceOf(PorchlightError);
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("a dropped connection is retried for a read, and the read succeeds", async () => {
    script = [drop, drop];
    expect(await client().presence.get("1191168918421504000")).toEqual({ ok: true });
    expect(seen).toHaveLength(3);
  });
});

describe("what is retried", () => {
  const unavailable = json(503, { code: "upstream_failure", message: "Discord could not be reached" });

  it("GET is retried on 502, 503 and 504 with backoff, then succeeds", async () => {
    script = [json(502, {}), unavailable, json(504, {})];
    expect(await client().presence.get("1191168918421504000")).toEqual({ ok: true });
    expect(seen.map((request) => request.method)).toEqual(["GET", "GET", "GET", "GET"]);
  });

  it("gives up after `retries`, throwing the last answer", async () => {
    fallback = unavailable;
    const error = await failure(
      client({ retry: { retries: 2, baseMs: 10, maxMs: 20 } }).guilds.channels(CHANNEL),
    );
    expect(error).toMatchObject({ status: 503, type: "discord_unavailable", code: "upstream_failure" });
    expect(seen).toHaveLength(3);
  });

  it("a 4xx is never retried", async () => {
    script = [
      json(404, { error: { type: "discord_error", status: 404, code: 10004, text: "Unknown Guild" } }),
    ];
    const error = await failure(client().guilds.channels(CHANNEL));
    expect(error).toMatchObject({ status: 404, type: "discord_error", code: 10004, upstreamStatus: 404 });
    expect(seen).toHaveLength(1);
  });

  it("a POST without an Idempotency-Key is sent once, whatever the answer", async () => {
    script = [unavailable];
    await failure(client().messages.send(CHANNEL, MESSAGE));
    script = [drop];
    expect(await failure(client().messages.direct("1191168918421504000", MESSAGE))).toBeInstanceOf(
      PorchlightNetworkError,
    );
    expect(seen.map((request) => request.method)).toEqual(["POST", "POST"]);
    expect(seen[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("a POST with an Idempotency-Key is retried with the same key", async () => {
    script = [drop, unavailable];
    const sent = await client().messages.direct("1191168918421504000", MESSAGE, {
      idempotencyKey: "welcome-42",
    });
    expect(sent).toEqual({ ok: true });
    expect(seen).toHaveLength(3);
    for (const request of seen) {
      expect(request.headers["idempotency-key"]).toBe("welcome-42");
      expect(JSON.parse(request.body)).toEqual({ user_id: "1191168918421504000", content: "hi" });
    }
  });

  it("a PATCH is never retried: an edit whose answer was lost may have applied", async () => {
    script = [unavailable];
    await failure(client().messages.edit(CHANNEL, "1191168914227200004", MESSAGE));
    expect(seen).toHaveLength(1);
  });

  it("429 waits as long as Retry-After says", async () => {
    script = [
      json(
        429,
        { message: "You are being rate limited.", retry_after: 1, global: false },
        { "retry-after": "1" },
      ),
    ];
    await client().presence.get("1191168918421504000");
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1_000);
  });

  it("429 is not retried when the caller asked to be refused at once (onLimit reject)", async () => {
    script = [
      json(429, { error: { type: "rate_limited", status: 429, code: 0, text: "spent", retry_after: 0.2 } }),
    ];
    const error = await failure(client().guilds.channels(CHANNEL, { onLimit: "reject" }));
    expect(error).toMatchObject({ status: 429, type: "rate_limited", retryAfter: 0.2 });
    expect(seen[0]!.headers["x-porchlight-on-limit"]).toBe("reject");
    expect(seen).toHaveLength(1);
  });

  it("a Retry-After past the deadline is thrown at once rather than slept into a timeout", async () => {
    script = [json(429, { message: "slow down", retry_after: 60, global: false }, { "retry-after": "60" })];
    const started = Date.now();
    const error = await failure(client().presence.get("1191168918421504000", { timeoutMs: 5_000 }));
    expect(error).toMatchObject({ status: 429, retryAfter: 60 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("a 409 for a send still in flight is retried; one for a key used elsewhere is not", async () => {
    const inFlight = json(409, {
      error: { type: "conflict", status: 409, code: 0, text: "in progress", retry_after: 0.05 },
    });
    script = [inFlight];
    await client().messages.send(CHANNEL, MESSAGE, { idempotencyKey: "k1" });
    expect(seen).toHaveLength(2);
    seen = [];
    script = [
      json(409, { error: { type: "conflict", status: 409, code: 0, text: "used for another request" } }),
    ];
    expect(await failure(client().messages.send(CHANNEL, MESSAGE, { idempotencyKey: "k1" }))).toMatchObject({
      status: 409,
      type: "conflict",
    });
    expect(seen).toHaveLength(1);
  });

  it("a locked bot is not retried: only an operator can clear it", async () => {
    script = [
      json(503, { error: { type: "discord_unavailable", status: 503, code: "locked", text: "locked" } }),
    ];
    await failure(client().guilds.channels(CHANNEL));
    expect(seen).toHaveLength(1);
  });

  it("a DELETE whose answer was lost, retried, takes the retry's 404 as done", async () => {
    script = [
      drop,
      json(404, { error: { type: "discord_error", status: 404, code: 10008, text: "Unknown Message" } }),
    ];
    await client().messages.delete(CHANNEL, "1191168914227200004");
    expect(seen.map((request) => request.method)).toEqual(["DELETE", "DELETE"]);
    // Without a lost answer before it, a 404 is the caller's to hear.
    script = [
      json(404, { error: { type: "discord_error", status: 404, code: 10008, text: "Unknown Message" } }),
    ];
    expect(await failure(client().messages.delete(CHANNEL, "1191168914227200004"))).toMatchObject({
      status: 404,
    });
  });
});

describe("requests", () => {
  it("message calls carry the key as Bot, and refuse to start without one", async () => {
    await client().guilds.member("1191168914227200002", "1191168918421504000");
    expect(seen[0]).toMatchObject({
      method: "GET",
      url: "/v1/guilds/1191168914227200002/members/1191168918421504000",
    });
    expect(seen[0]!.headers.authorization).toBe("Bot plk_test");
    await expect(client({ key: undefined }).guilds.channels(CHANNEL)).rejects.toThrow(/needs a proxy key/);
  });

  it("ids are encoded as one path segment each", async () => {
    await client().kv.set("@me", "a/b", "x");
    expect(seen[0]).toMatchObject({ method: "PUT", url: "/api/v1/users/%40me/storage/a%2Fb" });
    expect(seen[0]!.headers.authorization).toBe("pl_test");
    expect(JSON.parse(seen[0]!.body)).toEqual({ value: "x" });
  });

  it("a success whose body is not JSON is a PorchlightError, not a SyntaxError", async () => {
    script = [
      (response) => {
        response.writeHead(200, { "content-type": "text/html" });
        response.end("<html>hello</html>");
      },
    ];
    const error = await failure(client().presence.get("1191168918421504000"));
    expect(error).toBeInstanceOf(PorchlightError);
    expect((error as Error).message).toContain("not JSON");
  });
});

describe("error envelopes", () => {
  const read = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    readErrorAnswer(status, new Headers(headers), typeof body === "string" ? body : JSON.stringify(body));

  it("reads the message API's {error: {type, status, code, text, path, retry_after}}", () => {
    expect(
      read(400, {
        error: {
          type: "invalid_input",
          status: 400,
          code: 0,
          text: "too long",
          path: ["embeds", 0, "title"],
        },
      }),
    ).toEqual({
      status: 400,
      type: "invalid_input",
      code: 0,
      text: "too long",
      path: ["embeds", 0, "title"],
      upstreamStatus: 400,
    });
    expect(
      read(429, { error: { type: "rate_limited", status: 429, code: 0, text: "spent", retry_after: 2.5 } }),
    ).toMatchObject({ type: "rate_limited", retryAfter: 2.5 });
  });

  it("reads the proxy's {code, message, retry_after} and Discord's own errors through it", () => {
    expect(read(401, { code: "unauthorized", message: "no key" })).toMatchObject({
      type: "unauthorized",
      code: "unauthorized",
      text: "no key",
    });
    expect(read(503, { code: "banned", message: "banned", retry_after: 30 })).toMatchObject({
      type: "discord_unavailable",
      retryAfter: 30,
    });
    expect(read(403, { message: "Missing Permissions", code: 50013 })).toMatchObject({
      type: "discord_error",
      code: 50013,
    });
  });

  it("reads Lantern's {error} and Lanyard's {success: false, error: {code, message}}", () => {
    expect(read(404, { error: "User 1 is not being monitored by Porchlight." })).toEqual({
      status: 404,
      type: "not_found",
      code: 0,
      text: "User 1 is not being monitored by Porchlight.",
    });
    expect(
      read(
        401,
        { success: false, error: { code: "no_permission", message: "bad token" } },
        { "retry-after": "3" },
      ),
    ).toEqual({ status: 401, type: "unauthorized", code: "no_permission", text: "bad token", retryAfter: 3 });
  });

  it("keeps the status and an excerpt of anything else", () => {
    expect(read(502, "<html>\n<h1>Bad Gateway</h1>\n</html>")).toEqual({
      status: 502,
      type: "discord_unavailable",
      code: 0,
      text: "<html> <h1>Bad Gateway</h1> </html>",
    });
    expect(read(500, "")).toMatchObject({ type: "internal", text: "HTTP 500" });
  });
});
