import { REST } from "@discordjs/rest";
import { CloseCodes, WebSocketManager, WebSocketShardEvents, WebSocketShardStatus } from "@discordjs/ws";
import { type GatewayDispatchPayload, GatewayIntentBits } from "discord-api-types/v10";
import type { Logger } from "./log.ts";
import type { ShardState } from "./metrics.ts";
import type { SessionCache } from "./session-cache.ts";

/** Guilds | GuildMembers | GuildPresences (259): members, their changes and their presences. */
export const PRESENCE_INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences;

const STATE_NAMES: Record<WebSocketShardStatus, ShardState> = {
  [WebSocketShardStatus.Idle]: "idle",
  [WebSocketShardStatus.Connecting]: "connecting",
  [WebSocketShardStatus.Resuming]: "resuming",
  [WebSocketShardStatus.Ready]: "ready",
};

export interface GatewayHandlers {
  dispatch(shardId: number, payload: GatewayDispatchPayload, receivedAt: number): void;
  resumed(shardId: number): void;
}

export interface GatewayOptions {
  token: string;
  apiBase: string;
  shardCount: number;
  shardIds: number[];
  sessions: SessionCache;
  log: Logger;
}

/**
 * The Discord side: an unmodified @discordjs/ws WebSocketManager with the presence intents, its
 * `rest` pointed at the configured API base, its session hooks served by the session cache.
 */
export class Gateway {
  readonly manager: WebSocketManager;
  readonly #log: Logger;

  constructor(options: GatewayOptions, handlers: GatewayHandlers) {
    this.#log = options.log;
    const rest = new REST({ api: options.apiBase, version: "10" }).setToken(options.token);
    this.manager = new WebSocketManager({
      token: options.token,
      intents: PRESENCE_INTENTS,
      rest,
      shardCount: options.shardCount,
      shardIds: options.shardIds,
      retrieveSessionInfo: options.sessions.retrieve,
      updateSessionInfo: options.sessions.update,
    });
    const log = options.log;
    this.manager.on(WebSocketShardEvents.Dispatch, (payload, shardId) =>
      handlers.dispatch(shardId, payload, performance.now()),
    );
    this.manager.on(WebSocketShardEvents.Resumed, (shardId) => {
      log.info("shard resumed", { shard: shardId });
      handlers.resumed(shardId);
    });
    this.manager.on(WebSocketShardEvents.Ready, (data, shardId) =>
      log.info("shard ready (new session)", { shard: shardId, guilds: data.guilds.length }),
    );
    this.manager.on(WebSocketShardEvents.Closed, (code, shardId) =>
      log.info("shard closed", { shard: shardId, code }),
    );
    this.manager.on(WebSocketShardEvents.Error, (error, shardId) =>
      log.error("shard error", { shard: shardId, error: error.message }),
    );
    this.manager.on(WebSocketShardEvents.SocketError, (error, shardId) =>
      log.warn("shard socket error", { shard: shardId, error: error.message }),
    );
    this.manager.on(WebSocketShardEvents.Debug, (message, shardId) => log.debug(message, { shard: shardId }));
  }

  /** Resolves once every shard is READY or RESUMED. */
  connect(): Promise<void> {
    return this.manager.connect();
  }

  async send(shardId: number, payload: Parameters<WebSocketManager["send"]>[1]): Promise<void> {
    await this.manager.send(shardId, payload);
  }

  async states(): Promise<Map<number, ShardState>> {
    const states = new Map<number, ShardState>();
    for (const [shardId, status] of await this.manager.fetchStatus())
      states.set(shardId, STATE_NAMES[status]);
    return states;
  }

  /**
   * Closes every shard without ending its session, so the next process can RESUME it. The
   * manager's default destroy closes with 1000, which tells Discord the session is over; 4200 is
   * @discordjs/ws's own "closing to resume" code, which Discord treats like any abnormal close.
   * The library also clears its session info here, which is why the checkpointer stops first.
   */
  async suspend(): Promise<void> {
    this.#log.info("closing shards, sessions left resumable");
    await this.manager.destroy({ code: CloseCodes.Resuming, reason: "Runner restarting; will resume" });
  }
}
