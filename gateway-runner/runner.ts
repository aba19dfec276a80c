import type { Writable } from "node:stream";
import { GatewayOpcodes } from "discord-api-types/v10";
import { CardImageSync } from "./card-image-sync.ts";
import { Checkpointer } from "./checkpointer.ts";
import { allShards, type RunnerConfig } from "./config.ts";
import { EventForwarder } from "./event-forwarder.ts";
import { type EventSink, StdoutSink } from "./event-sinks.ts";
import { FileSessionStore } from "./file-session-store.ts";
import { Forwarder } from "./forwarder.ts";
import { Gateway, gatewayRest, recommendedShardCount } from "./gateway.ts";
import { evaluateHealth, type HealthReport, standbyHealth } from "./health.ts";
import { HttpLeaseClient } from "./http-lease-client.ts";
import { type OpsServer, startOpsServer } from "./http-server.ts";
import { HttpSessionStore } from "./http-session-store.ts";
import { intentNames } from "./intents.ts";
import { createLogger, describeError, type Logger } from "./log.ts";
import { MemberRequests } from "./member-requests.ts";
import { createMetrics, type RunnerMetrics } from "./metrics.ts";
import { PresencePipeline, shardOf } from "./pipeline.ts";
import { PresenceRouter } from "./presence-router.ts";
import { QueueSink } from "./queue-sink.ts";
import { Reconciler } from "./reconciler.ts";
import { SequenceTracker } from "./sequence-tracker.ts";
import { SessionCache } from "./session-cache.ts";
import type { SessionStore } from "./session-store.ts";
import { ShardLease } from "./shard-lease.ts";
import { WorkerMembers } from "./worker-members.ts";

/**
 * The composition root: builds every part from the config and wires them together. The data flows
 * gateway → pipeline (router, member requests) → forwarder → Worker, and, for FORWARD_EVENTS,
 * gateway → event forwarder → each sink; acknowledgements flow back to the sequence tracker, whose
 * checkpoints the checkpointer persists.
 */

export interface RunnerOptions {
  log?: Logger;
  /** Replaces the store SESSION_STORE names. */
  sessionStore?: SessionStore;
  /** Where the stdout sink writes (tests); process.stdout by default. */
  stdout?: Writable;
}

/** A config whose shards are known (SHARD_COUNT=auto read from GET /gateway/bot). */
export type ResolvedConfig = RunnerConfig & { shardCount: number; shardIds: number[] };

export async function resolveShards(
  config: RunnerConfig,
  fetchCount: () => Promise<number>,
): Promise<ResolvedConfig> {
  let shardCount = config.shardCount;
  if (shardCount === "auto") {
    try {
      shardCount = await fetchCount();
    } catch (error) {
      throw new Error(`SHARD_COUNT=auto: GET /gateway/bot failed: ${describeError(error)}`);
    }
  }
  const shardIds = config.shardIds ?? allShards(shardCount);
  const missing = shardIds.find((id) => id >= shardCount);
  if (missing !== undefined) {
    throw new Error(
      `SHARD_IDS names shard ${missing}, but Discord recommends ${shardCount} shards (SHARD_COUNT=auto)`,
    );
  }
  return { ...config, shardCount, shardIds };
}

function leaseClient(config: ResolvedConfig): HttpLeaseClient {
  const { url, secret } = ingestOf(config);
  return new HttpLeaseClient(url, secret, config.ingestTimeoutMs);
}

/** The Worker's URL and secret; config validation requires them wherever this is called. */
function ingestOf(config: RunnerConfig): { url: string; secret: string } {
  if (config.ingestUrl === null || config.ingestSecret === null) {
    throw new Error("INGEST_URL and INGEST_SECRET are required for this configuration");
  }
  return { url: config.ingestUrl, secret: config.ingestSecret };
}

export interface Runner {
  metrics: RunnerMetrics;
  /** The port /metrics and /health listen on (useful when METRICS_PORT is 0). */
  opsPort: number;
  /** Resolves when every shard is READY or RESUMED for the first time. */
  connected: Promise<void>;
  /** Resolves with the error if a shard fails for good (bad token, disallowed intents...). */
  failed: Promise<Error>;
  health(): Promise<HealthReport>;
  /**
   * Stops taking events, delivers what is buffered (within SHUTDOWN_TIMEOUT_MS), checkpoints, and
   * closes the shards leaving their sessions resumable. Resolves whether everything was delivered.
   */
  shutdown(): Promise<{ drained: boolean }>;
}

export function createSessionStore(config: ResolvedConfig): SessionStore {
  if (config.sessionStore.kind === "file") return new FileSessionStore(config.sessionStore.path);
  const ingest = ingestOf(config);
  return new HttpSessionStore(ingest.url, ingest.secret, config.ingestTimeoutMs, {
    shardIds: config.shardIds,
    runnerId: config.runnerId,
  });
}

export async function startRunner(given: RunnerConfig, options: RunnerOptions = {}): Promise<Runner> {
  const log = options.log ?? createLogger(given.logLevel);
  const config = await resolveShards(given, () =>
    recommendedShardCount(gatewayRest(given.discordApiBase, given.discordToken)),
  );
  const metrics = createMetrics();
  const tracker = new SequenceTracker();
  const sessions = new SessionCache(tracker);
  const store = options.sessionStore ?? createSessionStore(config);
  // Runners sharing a bot through the Worker's store take turns on each shard: wait as a standby
  // until every one of ours is free. A file store belongs to one machine, and one runner on it.
  const lease =
    config.sessionStore.kind === "worker"
      ? new ShardLease({
          client: leaseClient(config),
          runnerId: config.runnerId,
          shardIds: config.shardIds,
          ttlMs: config.leaseTtlMs,
          log,
        })
      : null;
  // /health and /metrics answer from the start: a standby says why it waits.
  let health: () => Promise<HealthReport> = async () => standbyHealth(lease?.problem ?? null);
  let ops: OpsServer;
  try {
    ops = await startOpsServer({
      host: config.metricsHost,
      port: config.metricsPort,
      metrics,
      health: () => health(),
    });
  } catch (error) {
    throw new Error(`cannot listen on ${config.metricsHost}:${config.metricsPort}: ${describeError(error)}`);
  }
  await lease?.acquire();
  try {
    // Sessions of shards this runner does not run are left out, and so drop out of the next save.
    const loaded = (await store.load()).filter((session) => config.shardIds.includes(session.shard_id));
    sessions.seed(loaded);
    log.info("sessions loaded", { store: store.description, sessions: loaded.length });
  } catch (error) {
    // A lost checkpoint costs one IDENTIFY per shard; refusing to start would cost the presence feed.
    log.warn("sessions could not be loaded; shards will identify", {
      store: store.description,
      error: describeError(error),
    });
  }

  const presence =
    config.monitoredGuildIds.length > 0
      ? buildPresencePath(config, { tracker, metrics, log, gateway: () => gateway })
      : null;
  const events = buildEventForwarder(config, { tracker, sessions, metrics, log, stdout: options.stdout });
  const gateway = new Gateway(
    {
      token: config.discordToken,
      apiBase: config.discordApiBase,
      intents: config.intents,
      shardCount: config.shardCount,
      shardIds: config.shardIds,
      compress: config.compress,
      presence: config.presence,
      resumeTimeoutMs: config.resumeTimeoutMs,
      sessions,
      log,
    },
    {
      dispatch: (shardId, payload, receivedAt) => {
        presence?.pipeline.onDispatch(shardId, payload, receivedAt);
        events?.onDispatch(shardId, payload, receivedAt);
      },
      resumed: (shardId) => presence?.pipeline.onResumed(shardId),
    },
  );
  metrics.readShardStatesFrom(() => gateway.states());
  const checkpointer = new Checkpointer({
    cache: sessions,
    store,
    metrics,
    log,
    intervalMs: config.checkpointIntervalMs,
  });

  health = async () =>
    lease && !lease.held
      ? standbyHealth(lease.problem)
      : evaluateHealth({
          shards: await gateway.states(),
          expectedShards: config.shardIds,
          forwarding: presence?.forwarder.state ?? null,
          reconciliation: presence?.reconciler.state,
          eventSinks: events?.sinks.map((sink) => ({
            sink: sink.name,
            pending: sink.pending,
            lagSeconds: sink.oldestPendingAt === null ? 0 : (performance.now() - sink.oldestPendingAt) / 1000,
          })),
        });
  log.info("gateway runner starting", {
    shards: config.shardIds.join(","),
    shard_count: config.shardCount,
    monitored_guilds: config.monitoredGuildIds.length,
    forward_events: config.forwardEvents.join(","),
    event_sinks: config.forwardEvents.length > 0 ? config.eventSinks.join(",") : "",
    intents: intentNames(config.intents).join(","),
    compression: config.compress ? "zlib-stream" : "none",
    ops: `http://${config.metricsHost}:${ops.port}`,
  });

  const connected = gateway.connect();
  connected.then(
    () => log.info("all shards connected"),
    () => {},
  );
  const failed = new Promise<Error>((resolve) => gateway.manager.once("error", (error) => resolve(error)));
  let stopping = false;
  // A lost lease (refused, or not renewed in time) closes the shards before another runner may
  // start them, resumable; this runner waits as a standby and resumes them if it gets them back.
  void (async () => {
    while (lease && !stopping) {
      const why = await lease.lost;
      if (stopping) return;
      log.error("shard lease lost: closing the shards and waiting as a standby", { why });
      await gateway.suspend();
      if (!(await lease.acquire()) || stopping) return;
      await gateway
        .connect()
        .catch((error: unknown) =>
          log.error("could not reconnect the shards", { error: describeError(error) }),
        );
    }
  })();

  let shutdown: Promise<{ drained: boolean }> | null = null;
  return {
    metrics,
    opsPort: ops.port,
    connected,
    failed,
    health: () => health(),
    shutdown() {
      shutdown ??= (async () => {
        stopping = true;
        presence?.pipeline.stopAccepting();
        events?.stopAccepting();
        const [deltas, forwarded] = await Promise.all([
          presence?.forwarder.drain(config.shutdownTimeoutMs) ?? true,
          events?.drain(config.shutdownTimeoutMs) ?? true,
        ]);
        const drained = deltas && forwarded;
        presence?.forwarder.stop();
        events?.stop();
        if (!drained) log.warn("shutdown timeout: what was not delivered will be replayed after the resume");
        await checkpointer.stop();
        await gateway.suspend();
        await lease?.release();
        await ops.close();
        log.info("gateway runner stopped", { drained });
        return { drained };
      })();
      return shutdown;
    },
  };
}

interface PathDeps {
  tracker: SequenceTracker;
  metrics: RunnerMetrics;
  log: Logger;
}

/**
 * The presence path: router, member requests and reconciliation, feeding the forwarder to the
 * Worker's /ingest. Only the guilds on this runner's shards: the others' events go to another
 * runner, and their member lists, never arriving here, must not hold reconciliation back.
 */
function buildPresencePath(config: ResolvedConfig, deps: PathDeps & { gateway: () => Gateway }) {
  const { tracker, metrics, log } = deps;
  const ingest = ingestOf(config);
  const forwarder = new Forwarder({
    ingestUrl: ingest.url,
    secret: ingest.secret,
    flushWindowMs: config.flushWindowMs,
    backoff: { baseMs: config.retryBaseMs, capMs: config.retryCapMs },
    timeoutMs: config.ingestTimeoutMs,
    release: (hold) => tracker.release(hold),
    metrics,
    log,
  });
  const router = new PresenceRouter(
    config.monitoredGuildIds.filter((guildId) =>
      config.shardIds.includes(shardOf(guildId, config.shardCount)),
    ),
  );
  const requests = new MemberRequests({
    send: (shardId, d) => deps.gateway().send(shardId, { op: GatewayOpcodes.RequestGuildMembers, d }),
    metrics,
    log,
  });
  const workerMembers = new WorkerMembers(ingest.url, ingest.secret, config.ingestTimeoutMs);
  const reconciler = new Reconciler({
    fetchMembers: (guildId) => workerMembers.of(guildId),
    reconcile: (guildId, ids) => router.reconcile(guildId, ids),
    ready: () => router.loadingGuilds().length === 0,
    deliver: (updates) => pipeline.onReconciled(updates),
    backoff: { baseMs: config.retryBaseMs, capMs: config.retryCapMs },
    metrics,
    log,
  });
  const images =
    config.cardImages &&
    new CardImageSync({
      ingestUrl: ingest.url,
      secret: ingest.secret,
      shaping: config.cardImages.shaping,
      concurrency: config.cardImages.concurrency,
      backoff: { baseMs: config.retryBaseMs, capMs: config.retryCapMs },
      timeoutMs: config.ingestTimeoutMs,
      metrics,
      log,
    });
  const pipeline = new PresencePipeline({
    router,
    requests,
    reconciler,
    tracker,
    forwarder,
    images,
    metrics,
    log,
    shardCount: config.shardCount,
  });
  return { pipeline, forwarder, reconciler };
}

/** FORWARD_EVENTS to EVENT_SINKS, or null when no event is forwarded. */
function buildEventForwarder(
  config: ResolvedConfig,
  deps: PathDeps & { sessions: SessionCache; stdout?: RunnerOptions["stdout"] },
): EventForwarder | null {
  if (config.forwardEvents.length === 0) return null;
  const { metrics, log } = deps;
  const sinks: EventSink[] = config.eventSinks.map((name) => {
    if (name === "stdout") return new StdoutSink({ out: deps.stdout, metrics });
    const ingest = ingestOf(config);
    return new QueueSink({
      ingestUrl: ingest.url,
      secret: ingest.secret,
      backoff: { baseMs: config.retryBaseMs, capMs: config.retryCapMs },
      timeoutMs: config.ingestTimeoutMs,
      metrics,
      log,
    });
  });
  metrics.readEventSinksFrom(() => sinks);
  return new EventForwarder({
    types: config.forwardEvents,
    sinks,
    tracker: deps.tracker,
    sessionOf: (shardId) => deps.sessions.retrieve(shardId)?.sessionId ?? null,
  });
}
