import { Hono } from "hono";
import type { EmulatorConfig, EmulatorUrls } from "../config.ts";
import type { World } from "../world.ts";

// CONTRACT (placeholder to be replaced by the REST implementation).

export interface TokenCounters {
  requests: number;
  rate_limited: { user: number; global: number; shared: number };
  /** 401, 403 and 429 (except shared): what Discord counts toward its invalid-request ban. */
  invalid: number;
}

export interface Rest {
  /** Mounted at /api/v10. */
  app: Hono;
  /** Keyed by the token's bot user id, or "unauthenticated". */
  counters(): Record<string, TokenCounters>;
}

export function createRest(_deps: { world: World; config: EmulatorConfig; urls: EmulatorUrls }): Rest {
  return { app: new Hono(), counters: () => ({}) };
}
