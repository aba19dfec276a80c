import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { cdnRoutes } from "./cdn/index.ts";
import { type EmulatorConfig, type EmulatorUrls, resolveConfig, urlsFor } from "./config.ts";
import { controlRoutes } from "./control.ts";
import { createGateway, type Gateway } from "./gateway/index.ts";
import { createRest, type Rest } from "./rest/index.ts";
import { createSeededWorld } from "./seed.ts";
import { SeedLife, type SeedLifeOptions } from "./seed-life.ts";
import { Simulator, type SimulatorOptions } from "./simulator.ts";
import type { World } from "./world.ts";

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** Start from this world instead of the seeded default. */
  world?: World;
  /** Start the presence simulator at once. */
  simulate?: SimulatorOptions;
  /** Bring the seeded members to life at once (the local demo); still without it. */
  live?: SeedLifeOptions;
  /** REST's clock (rate-limit windows and X-RateLimit-Reset), e.g. skewed from the machine's for a test. */
  restClock?: () => number;
}

/** A running emulator: its URLs, and handles for tests that drive it without HTTP. */
export interface Emulator {
  urls: EmulatorUrls;
  config: EmulatorConfig;
  world: World;
  gateway: Gateway;
  rest: Rest;
  simulator: Simulator;
  /** The seeded members' playlist and changes: start(), stop(), status(). */
  life: SeedLife;
  close(): Promise<void>;
}

/**
 * Starts Discord, locally: REST under /api/v10, the gateway on any WebSocket upgrade, the CDN at
 * the root and the control API under /_emulator, all on one port.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { world: givenWorld, simulate, live, restClock, ...overrides } = options;
  const config = resolveConfig(overrides);
  const world = givenWorld ?? createSeededWorld();
  // Filled in once the port is known; nothing reads it before the first request.
  const urls: EmulatorUrls = urlsFor(config.host, config.port);

  const gateway = createGateway({ world, config, urls });
  const rest = createRest({
    world,
    config,
    urls,
    sessionStartLimit: () => gateway.sessionStartLimit(),
    now: restClock,
  });
  const simulator = new Simulator(world);
  const life = new SeedLife(world);

  const app = new Hono();
  app.route("/api/v10", rest.app);
  app.route("/_emulator", controlRoutes({ world, config, urls, gateway, rest, simulator }));
  app.route("/", cdnRoutes());
  app.notFound((c) => c.json({ message: "404: Not Found", code: 0 }, 404));

  const server = createAdaptorServer({ fetch: app.fetch, overrideGlobalObjects: false });
  server.on("upgrade", (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  Object.assign(urls, urlsFor(config.host, port));
  config.port = port;

  if (simulate) simulator.start(simulate);
  if (live) life.start(live);

  return {
    urls,
    config,
    world,
    gateway,
    rest,
    simulator,
    life,
    async close() {
      simulator.stop();
      life.stop();
      await gateway.shutdown();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
    },
  };
}
