import { REST } from "@discordjs/rest";
import {
  CloseCodes,
  CompressionMethod,
  WebSocketManager,
  WebSocketShardEvents,
  WebSocketShardStatus,
} from "@discordjs/ws";
import {
  type GatewayDispatchPayload,
  GatewayIntentBits,
  type GatewayPresenceUpdateData,
  type RESTGetAPIGatewayBotResult,
  Routes,
} from "discord-api-types/v10";
import { describeError, type Logger } from "./log.ts";
import type { ShardState } from "./metrics.ts";
import { ResumeWatchdog } from "./resume-watchdog.ts";
import type { SessionCache } from "./session-cache.ts";
import { ShardStrategy } from "./shard-strategy.ts";

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
  intents: number;
  shardCount: number;
  shardIds: number[];
  /** Transport compression (zlib-stream), inflated with node:zlib. */
  compress: boolean;
  /** The bot's own presence, sent with IDENTIFY; null leaves Discord's default (online, no activity). */
  presence: GatewayPresenceUpdateData | null;
  /** A RESUME unanswered this long is given up for an IDENTIFY. */
  resumeTimeoutMs: number;
  sessions: SessionCache;
  log: Logger;
}

/** The REST client the gateway's manager uses, pointed at the configured API base. */
export function gatewayRest(apiBase: string, token: string): REST {
  return new REST({ api: apiBase, version: "10" }).setToken(token);
}

/** SHARD_COUNT=auto: the shard count GET /gateway/bot recommends. */
export async function recommendedShardCount(rest: REST): Promise<number> {
  const info = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return info.shards;
}

/**
 * The Discord side: an unmodified @discordjs/ws WebSocketManager with the configured intents, its
 * `rest` pointed at the configured API base, its session hooks served by the session cache. The
 * library identifies shards in max_concurrency buckets (shard_id % max_concurrency, one per 5 s,
 * from GET /gateway/bot), which is Discord's rule; the sharding strategy adds a per-shard restart
 * for a RESUME nobody answers.
 */
export class Gateway {
  readonly manager: WebSocketManager;
  readonly #log: Logger;
  readonly #strategy: { current: ShardStrategy | null } = { current: null };
  readonly #watchdog: ResumeWatchdog;
  readonly #resumeTimeoutMs: number;
  #watchTimer: NodeJS.Timeout | null = null;

  constructor(options: GatewayOptions, handlers: GatewayHandlers) {
    this.#log = options.log;
    this.#watchdog = new ResumeWatchdog(options.resumeTimeoutMs);
    this.#resumeTimeoutMs = options.resumeTimeoutMs;
    const strategy = this.#strategy;
    this.manager = new WebSocketManager({
      token: options.token,
      intents: options.intents,
      rest: gatewayRest(options.apiBase, options.token),
      shardCount: options.shardCount,
      shardIds: options.shardIds,
      compression: options.compress ? CompressionMethod.ZlibNative : null,
      initialPresence: options.presence,
      buildStrategy: (manager) => {
        strategy.current = new ShardStrategy(manager);
        return strategy.current;
      },
      retrieveSessionInfo: options.sessions.retrieve,
      updateSessionInfo: options.sessions.update,
    });
    const log = options.log;
    this.manager.on(WebSocketShardEvents.Dispatch, (payload, shardId) => {
      const now = performance.now();
      this.#watchdog.heard(shardId, now);
      handlers.dispatch(shardId, payload, now);
    });
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
    this.#watchResumes();
    return this.manager.connect();
  }

  #watchResumes(): void {
    if (this.#watchTimer) return;
    const every = Math.max(50, Math.min(1_000, this.#resumeTimeoutMs / 4));
    this.#watchTimer = setInterval(() => void this.#checkResumes(), every);
    this.#watchTimer.unref();
  }

  async #checkResumes(): Promise<void> {
    for (const shardId of this.#watchdog.overdue(await this.states(), performance.now())) {
      this.#log.warn("RESUME unanswered; starting a new session (events since the checkpoint are lost)", {
        shard: shardId,
        waited_ms: this.#resumeTimeoutMs,
      });
      this.#strategy.current
        ?.reidentify(shardId, "RESUME unanswered")
        .catch((error: unknown) =>
          this.#log.error("could not restart the shard", { shard: shardId, error: describeError(error) }),
        );
    }
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
    if (this.#watchTimer) clearInterval(this.#watchTimer);
    this.#watchTimer = null;
    this.#log.info("closing shards, sessions left resumable");
    await this.manager.destroy({ code: CloseCodes.Resuming, reason: "Runner restarting; will resume" });
  }
}
