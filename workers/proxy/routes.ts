import type { Context, Hono } from "hono";
import { proxyObject } from "../../durable-objects/rest-proxy/index.ts";
import { renderPrometheus } from "../../durable-objects/rest-proxy/metrics.ts";
import { PROXY_LIMITS } from "../../schemas/proxy.ts";
import type { Env } from "../../settings/env.ts";
import { adminKeyHashes, proxyBot, proxyBots, proxyTimeouts } from "../../settings/proxy.ts";
import { readCapped } from "../body.ts";
import { proxyError } from "./answers.ts";
import { forward } from "./forward.ts";
import { countFor, flushCounts } from "./isolate-counts.ts";
import { callerOf, holdsKey } from "./keys.ts";
import { checkCall, PROXY_PREFIX } from "./request.ts";

/**
 * The REST proxy's routes: /proxy/api/v10/… forwards to Discord for a caller holding a proxy key;
 * /proxy/metrics and /proxy/bots/:bot/unlock are for operators (PROXY_ADMIN_KEYS). Registered
 * before the app's CORS and ETag middleware: a proxied answer is Discord's, byte for byte, and
 * hashing every body for an ETag would buffer uploads and downloads alike.
 */

type AppContext = Context<{ Bindings: Env }>;

export function registerProxy(app: Hono<{ Bindings: Env }>): void {
  app.all(`${PROXY_PREFIX}/*`, proxied);
  app.all(PROXY_PREFIX, proxied);
  app.get("/proxy/metrics", metrics);
  app.post("/proxy/bots/:bot/unlock", unlock);
}

async function proxied(c: AppContext): Promise<Response> {
  const bots = proxyBots(c.env);
  if (bots.length === 0)
    return proxyError("not_configured", "This deployment runs no REST proxy: DISCORD_TOKEN is unset.");
  const caller = await callerOf(c.req.raw.headers, bots);
  if (!caller) {
    countFor(bots[0]!.name, "unauthorized");
    c.executionCtx.waitUntil(flushCounts(c.env));
    return proxyError(
      "unauthorized",
      "Send a proxy key as `Authorization: Bot <key>` (or X-Porchlight-Key).",
    );
  }
  const url = new URL(c.req.url);
  const checked = checkCall(c.req.method, url.pathname, url.search, c.req.raw.headers, proxyTimeouts(c.env));
  if (!checked.ok) return proxyError(checked.code, checked.message);
  let body: Uint8Array | null = null;
  if (c.req.method !== "GET" && c.req.raw.body) {
    const declared = Number(c.req.header("content-length"));
    // Read whole before any permit is asked for: a 429 retry sends it again, and a slow upload must not hold a bucket's slot.
    const read =
      declared > PROXY_LIMITS.maxBodyBytes
        ? null
        : await readCapped(c.req.raw.body, PROXY_LIMITS.maxBodyBytes);
    if (read === null)
      return proxyError(
        "invalid_body",
        `The body is larger than the proxy forwards (${PROXY_LIMITS.maxBodyBytes} bytes).`,
      );
    body = read.byteLength > 0 ? read : null;
  }
  const response = await forward(
    c.env,
    c.executionCtx,
    caller,
    checked.value,
    body,
    c.req.header("content-type") ?? null,
  );
  c.executionCtx.waitUntil(flushCounts(c.env));
  return response;
}

async function metrics(c: AppContext): Promise<Response> {
  if (!(await holdsKey(c.req.raw.headers, adminKeyHashes(c.env))))
    return proxyError(
      "unauthorized",
      "Send an admin key as `Authorization: Bearer <key>` (PROXY_ADMIN_KEYS).",
    );
  const bots = await Promise.all(
    proxyBots(c.env).map(async ({ name }) => ({
      bot: name,
      metrics: await proxyObject(c.env, name).metrics(name),
    })),
  );
  return new Response(renderPrometheus(bots), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
  });
}

async function unlock(c: AppContext): Promise<Response> {
  if (!(await holdsKey(c.req.raw.headers, adminKeyHashes(c.env))))
    return proxyError(
      "unauthorized",
      "Send an admin key as `Authorization: Bearer <key>` (PROXY_ADMIN_KEYS).",
    );
  const name = c.req.param("bot")!;
  if (!proxyBot(c.env, name)) return c.json({ error: `No proxy bot is named ${name.slice(0, 40)}.` }, 404);
  const wasLocked = await proxyObject(c.env, name).unlock(name);
  return c.json({ bot: name, was_locked: wasLocked });
}
