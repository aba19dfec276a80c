/**
 * Tunables of the emulated Discord. Defaults are Discord's own values where Discord documents
 * them; tests shrink the slow ones (heartbeat interval, identify spacing) to stay fast.
 */
export interface EmulatorConfig {
  /** Interface to listen on; loopback by default, since nothing here belongs on a network. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** HELLO's heartbeat_interval in ms. */
  heartbeatIntervalMs: number;
  /** A connection that sends no heartbeat for this long is closed with 4009. */
  heartbeatTimeoutMs: number;
  /** One IDENTIFY per rate-limit key (shard_id % max_concurrency) per this many ms. */
  identifyIntervalMs: number;
  /** session_start_limit.max_concurrency. */
  maxConcurrency: number;
  /** session_start_limit.total: identifies allowed per 24 h. */
  sessionStartLimit: number;
  /** GET /gateway/bot's recommended shard count. */
  recommendedShards: number;
  /** Client sends allowed per connection per window before close 4008 (Discord: 120 per 60 s). */
  gatewaySendLimit: number;
  gatewaySendWindowMs: number;
  /** How long a session stays resumable after its connection drops. */
  resumeWindowMs: number;
  /** Dispatches kept per session for RESUME; a resume from further back gets op 9 false. */
  replayBufferSize: number;
  /** Op 8 requests for all members of one guild: one per this many ms per application. */
  memberRequestCooldownMs: number;
  /** Guilds one shard may hold before IDENTIFY is refused with 4011. */
  maxGuildsPerShard: number;
  /** REST requests per second per token before the global limit answers 429. */
  restGlobalPerSecond: number;
  /**
   * RESUME is read and never answered, as some emulators and gateway proxies do: a client must
   * give up and IDENTIFY on its own. Also switchable at run time (PUT /_emulator/gateway/resumes).
   */
  ignoreResume: boolean;
}

export const DEFAULT_CONFIG: EmulatorConfig = {
  host: "127.0.0.1",
  port: 8790,
  heartbeatIntervalMs: 41_250,
  heartbeatTimeoutMs: 41_250 * 1.5,
  identifyIntervalMs: 5_000,
  maxConcurrency: 1,
  sessionStartLimit: 1_000,
  recommendedShards: 1,
  gatewaySendLimit: 120,
  gatewaySendWindowMs: 60_000,
  resumeWindowMs: 180_000,
  replayBufferSize: 10_000,
  memberRequestCooldownMs: 30_000,
  maxGuildsPerShard: 2_500,
  restGlobalPerSecond: 50,
  ignoreResume: false,
};

/** Fills in defaults; a heartbeat timeout follows the interval unless given. */
export function resolveConfig(options: Partial<EmulatorConfig> = {}): EmulatorConfig {
  // An option passed as undefined means "not given", not "unset the default".
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const config: EmulatorConfig = { ...DEFAULT_CONFIG, ...given };
  if (given.heartbeatIntervalMs !== undefined && given.heartbeatTimeoutMs === undefined) {
    config.heartbeatTimeoutMs = config.heartbeatIntervalMs * 1.5;
  }
  return config;
}

/** Where each face of the emulator answers. All share one port. */
export interface EmulatorUrls {
  /** Base of everything, e.g. http://127.0.0.1:8790 */
  http: string;
  /** REST base as @discordjs/rest's `api` option wants it (without /v10). */
  api: string;
  /** The gateway URL GET /gateway/bot hands out. */
  gateway: string;
  /** The resume_gateway_url READY hands out. */
  resumeGateway: string;
  /** Stand-in for https://cdn.discordapp.com */
  cdn: string;
  /** Stand-in for https://i.scdn.co (Spotify album art: /image/:id). */
  spotifyCdn: string;
  /** Control API base. */
  control: string;
}

export function urlsFor(host: string, port: number): EmulatorUrls {
  const http = `http://${host}:${port}`;
  const ws = `ws://${host}:${port}`;
  return {
    http,
    api: `${http}/api`,
    gateway: `${ws}/gateway`,
    resumeGateway: `${ws}/gateway-resume`,
    cdn: http,
    spotifyCdn: http,
    control: `${http}/_emulator`,
  };
}
