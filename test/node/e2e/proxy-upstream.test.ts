import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerStack, type WorkerStack } from "../../../bench/lib/stack.ts";
import { proxyVarsFor } from "../../../scripts/lib/local-stack.ts";

/**
 * The proxy when Discord misbehaves below HTTP: an upstream that never answers (the deadline
 * gives 504 upstream_timeout, and the caller is told the request may still take effect) and one
 * that drops the connection (502 upstream_failure). A stand-in server plays Discord; the Worker
 * runs under wrangler dev.
 */

const KEY = "plk_upstream-test-key-0123456789abcdefghijklmnopqrstuv";
let stack: WorkerStack;
let upstream: Server;
const hung = new Set<import("node:http").ServerResponse>();

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url?.startsWith("/api/v10/hang")) hung.add(res);
    else req.socket.destroy();
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  stack = await startWorkerStack({
    workerVars: (emulator) => proxyVarsFor({ http: base, token: emulator.world.application.botToken }, KEY),
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const res of hung) res.destroy();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

const proxied = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.worker.url}/proxy/api/v10${path}`, { headers: { authorization: `Bot ${KEY}`, ...headers } });

describe("an upstream that fails", () => {
  it("answers 504 upstream_timeout at the caller's deadline when Discord never answers", async () => {
    const response = await proxied("/hang", { "x-porchlight-timeout": "800" });
    expect(response.status).toBe(504);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe("upstream_timeout");
    expect(body.message).toMatch(/may still take effect/);
  });

  it("answers 502 upstream_failure when the connection drops", async () => {
    const response = await proxied("/drop");
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: "upstream_failure" });
  });

  it("frees the route for the next caller after either", async () => {
    // Both routes are still unknown buckets (one request at a time): a held slot would time this out.
    const again = await proxied("/hang", { "x-porchlight-timeout": "800" });
    expect(await again.json()).toMatchObject({ code: "upstream_timeout" });
    expect(await (await proxied("/drop")).json()).toMatchObject({ code: "upstream_failure" });
  });
});
