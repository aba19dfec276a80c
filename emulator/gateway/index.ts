import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { EmulatorConfig, EmulatorUrls } from "../config.ts";
import type { World } from "../world.ts";
import type { GatewayCounters } from "./counters.ts";
import { EmulatedGateway } from "./gateway.ts";
import type { SessionStartLimit } from "./limits.ts";

/**
 * The emulated Discord gateway (v10, JSON, optional zlib-stream). Protocol rules, payload shapes
 * and limits live in the sibling modules as pure functions; gateway.ts wires them to sockets.
 */

export type { GatewayCounters } from "./counters.ts";
export type { SessionStartLimit } from "./limits.ts";

/** One live or resumable session, as GET /_emulator/state lists it. */
export interface ShardState {
  session_id: string;
  shard_id: number;
  shard_count: number;
  intents: number;
  seq: number;
  /** connected: a socket is attached; disconnected: waiting for RESUME inside the resume window. */
  status: "connected" | "disconnected";
  /** The URL the attached connection dialled: GET /gateway/bot's or READY's resume_gateway_url. */
  connected_via: "gateway" | "resume" | null;
  /** Dispatches held for RESUME (at most config.replayBufferSize). */
  buffered: number;
  large_threshold: number;
  /** The dropAcks control is in force on the attached connection. */
  acks_dropped: boolean;
  /** When IDENTIFY started the session, ms since the epoch. */
  identified_at: number;
  /** The presence IDENTIFY asked for, as sent (null: none). */
  presence: unknown;
}

export interface Gateway {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  shards(): ShardState[];
  counters(): GatewayCounters;
  /** GET /gateway/bot's session_start_limit; `remaining` counts the IDENTIFYs performed. */
  sessionStartLimit(): SessionStartLimit;
  /** Each returns how many live connections of that shard id it acted on. */
  reconnect(shardId: number): number;
  invalidate(shardId: number, resumable: boolean): number;
  /** Throws a RangeError for a code a close frame cannot carry (see isSendableCloseCode). */
  close(shardId: number, code: number): number;
  dropAcks(shardId: number): number;
  shutdown(): Promise<void>;
}

export function createGateway(deps: { world: World; config: EmulatorConfig; urls: EmulatorUrls }): Gateway {
  return new EmulatedGateway(deps);
}
