import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { EmulatorConfig, EmulatorUrls } from "../config.ts";
import type { World } from "../world.ts";

// CONTRACT (placeholder to be replaced by the gateway implementation).

/** One live or resumable session, as GET /_emulator/state lists it. */
export interface ShardState {
  session_id: string;
  shard_id: number;
  shard_count: number;
  intents: number;
  seq: number;
  /** connected: a socket is attached; disconnected: waiting for RESUME inside the resume window. */
  status: "connected" | "disconnected";
}

export interface GatewayCounters {
  connections: number;
  identifies: number;
  resumes: number;
  dispatches: number;
  closes: Record<string, number>;
}

export interface Gateway {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  shards(): ShardState[];
  counters(): GatewayCounters;
  /** Each returns how many live connections of that shard id it acted on. */
  reconnect(shardId: number): number;
  invalidate(shardId: number, resumable: boolean): number;
  close(shardId: number, code: number): number;
  dropAcks(shardId: number): number;
  shutdown(): Promise<void>;
}

export function createGateway(_deps: { world: World; config: EmulatorConfig; urls: EmulatorUrls }): Gateway {
  return {
    handleUpgrade: (_req, socket) => socket.destroy(),
    shards: () => [],
    counters: () => ({ connections: 0, identifies: 0, resumes: 0, dispatches: 0, closes: {} }),
    reconnect: () => 0,
    invalidate: () => 0,
    close: () => 0,
    dropAcks: () => 0,
    shutdown: async () => {},
  };
}
