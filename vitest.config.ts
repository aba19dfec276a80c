import { createHash } from "node:crypto";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { freePort } from "./scripts/lib/processes.ts";
import { TEST_ADMIN_KEY, TEST_PROXY_KEY } from "./test/fixtures/proxy-keys.ts";

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

// The workers project's emulator (test/node/setup/workers-emulator.ts) listens here; vitest may
// read this file more than once, and every reading must agree on the port.
process.env.PORCHLIGHT_WORKERS_EMULATOR_PORT ??= String(await freePort());
const emulatorPort = process.env.PORCHLIGHT_WORKERS_EMULATOR_PORT;

export default defineConfig({
  test: {
    projects: [
      {
        // Emulator, gateway runner and end-to-end tests: plain Node over real sockets.
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // Cards in Debian's Chromium (npm run test:browser; scripts/install-chromium.sh installs it).
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Worker and Durable Object tests run inside workerd.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                // Test-only secret; deployments set theirs with `wrangler secret put INGEST_SECRET`.
                INGEST_SECRET: "test-ingest-secret-0123456789abcdef0123",
                // Two per hub, under wrangler.toml's 5, lets the socket tests reach both sides of the cap cheaply.
                SOCKET_ALL_PER_HUB: "2",
                // Public half of the test-only key pair in test/workers/interactions-helpers.ts.
                DISCORD_PUBLIC_KEY: "cb74a0ea6e563f560d6c9dc1495fbb25069d8f6ff3503cb33037bdbf0aa8adb6",
                // The REST proxy, against the emulator's seeded bot.
                DISCORD_API_BASE: `http://127.0.0.1:${emulatorPort}/api`,
                // The seeded bot token emulator/README.md documents.
                DISCORD_TOKEN: "MTE5MTE2ODkxNDIyNzIwMDAwMQ.Emu1at.HxCwroo_r-K7KWG2e-vrdDPLA4b-CNPW0aUEkw",
                PROXY_KEYS: sha256(TEST_PROXY_KEY),
                PROXY_ADMIN_KEYS: sha256(TEST_ADMIN_KEY),
                PROXY_CACHE_TTLS: JSON.stringify({
                  "GET /users/:id": 60,
                  "GET /channels/:id/messages/:id": 60,
                }),
                PROXY_GATEWAY_USERS: "true",
              },
              // What POST /ingest/events puts on the queue, as the consumer receives it.
              serviceBindings: { QUEUE_RECORDER: "queue-recorder" },
              workers: [
                {
                  // The consumer of wrangler.toml's GATEWAY_EVENTS queue, recording each message.
                  name: "queue-recorder",
                  modules: true,
                  scriptPath: "test/fixtures/queue-recorder.js",
                  compatibilityDate: "2026-07-01",
                  queueConsumers: {
                    "porchlight-gateway-events": { maxBatchSize: 100, maxBatchTimeout: 0 },
                  },
                },
              ],
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/workers/**/*.test.ts"],
          globalSetup: ["test/node/setup/workers-emulator.ts"],
          // Some tests drive hundreds of objects (a 500-delta batch, 300 sockets); on two busy
          // cores that outlasts vitest's 5 s default without anything being wrong.
          testTimeout: 30_000,
        },
      },
    ],
  },
});
