import { Collection } from "@discordjs/collection";
import {
  type IShardingStrategy,
  managerToFetchingStrategyOptions,
  SimpleContextFetchingStrategy,
  type WebSocketManager,
  WebSocketShard,
  WebSocketShardDestroyRecovery,
  WebSocketShardEvents,
  type WebSocketShardStatus,
} from "@discordjs/ws";
import type { GatewaySendPayload } from "discord-api-types/v10";

/**
 * @discordjs/ws's SimpleShardingStrategy (every shard in this thread), plus one thing it cannot
 * do: start one shard's session over. The library sends RESUME and then waits for RESUMED with no
 * deadline (its READY wait has one, readyTimeout); a gateway that never answers a RESUME, as some
 * emulators and proxies do, would leave the shard "resuming" forever while heartbeats keep the
 * socket alive. The runner's resume watchdog calls `reidentify` instead.
 */
export class ShardStrategy implements IShardingStrategy {
  readonly #manager: WebSocketManager;
  readonly #shards = new Collection<number, WebSocketShard>();

  constructor(manager: WebSocketManager) {
    this.#manager = manager;
  }

  async spawn(shardIds: number[]): Promise<void> {
    const options = await managerToFetchingStrategyOptions(this.#manager);
    // The manager re-emits each shard event with the shard id appended, as the library's strategy does.
    const emit = this.#manager.emit.bind(this.#manager) as (event: string, ...args: unknown[]) => boolean;
    for (const shardId of shardIds) {
      const shard = new WebSocketShard(new SimpleContextFetchingStrategy(this.#manager, options), shardId);
      for (const event of Object.values(WebSocketShardEvents)) {
        (shard.on as (event: string, listener: (...args: unknown[]) => void) => void).call(
          shard,
          event,
          (...args: unknown[]) => emit(event, ...args, shardId),
        );
      }
      this.#shards.set(shardId, shard);
    }
  }

  async connect(): Promise<void> {
    await Promise.all(this.#shards.map((shard) => shard.connect()));
  }

  async destroy(options?: Parameters<IShardingStrategy["destroy"]>[0]): Promise<void> {
    await Promise.all(this.#shards.map((shard) => shard.destroy(options)));
    this.#shards.clear();
  }

  async send(shardId: number, payload: GatewaySendPayload): Promise<void> {
    const shard = this.#shards.get(shardId);
    if (!shard) throw new RangeError(`Shard ${shardId} not found`);
    await shard.send(payload);
  }

  fetchStatus(): Collection<number, WebSocketShardStatus> {
    return this.#shards.mapValues((shard) => shard.status);
  }

  /**
   * Closes the shard's connection and ends its session (the library clears the session info, so
   * the reconnect IDENTIFYs, through the identify throttle like any other).
   */
  async reidentify(shardId: number, reason: string): Promise<void> {
    await this.#shards.get(shardId)?.destroy({ reason, recover: WebSocketShardDestroyRecovery.Reconnect });
  }
}
