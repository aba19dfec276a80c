import { Hono } from "hono";
import type { EmulatorConfig, EmulatorUrls } from "./config.ts";
import type { Gateway } from "./gateway/index.ts";
import type { Rest } from "./rest/index.ts";
import type { Simulator } from "./simulator.ts";
import type { World } from "./world.ts";

export interface ControlDeps {
  world: World;
  config: EmulatorConfig;
  urls: EmulatorUrls;
  gateway: Gateway;
  rest: Rest;
  simulator: Simulator;
}

export function controlRoutes(_deps: ControlDeps): Hono {
  return new Hono();
}
