/** What the gateway has seen since it started, as GET /_emulator/state reports it. */
export interface GatewayCounters {
  /** WebSocket connections accepted. */
  connections: number;
  /** Of those, connections that dialled READY's resume_gateway_url. */
  resume_url_connections: number;
  /** Sessions started: IDENTIFYs answered with READY. */
  identifies: number;
  /** IDENTIFYs answered with op 9 because their rate-limit bucket was still cooling down. */
  identifies_throttled: number;
  /** RESUME payloads received. */
  resumes: number;
  /** RESUMEs left unanswered because config.ignoreResume is on. */
  resumes_ignored: number;
  /** RESUMEs that replayed and ended in RESUMED. */
  resumed: number;
  /** Dispatches re-sent by RESUMEs. */
  replayed: number;
  /** Op 9 frames sent, for any reason. */
  invalid_sessions: number;
  /** Dispatches numbered for a session: sent, or buffered while the session is disconnected. */
  dispatches: number;
  /** Heartbeats received. */
  heartbeats: number;
  /** Sessions dropped because nobody resumed them within config.resumeWindowMs. */
  sessions_expired: number;
  /** Closes by who closed and the code: "server:4009", "client:1000" (1006: dropped without a close frame). */
  closes: Record<string, number>;
  /** Op 8 requests received. */
  member_requests: number;
  /** Op 8 requests answered with RATE_LIMITED. */
  member_requests_rate_limited: number;
  /** Op 8 requests for a guild not on the session's shard (or unknown): ignored. */
  member_requests_ignored: number;
}

export function newCounters(): GatewayCounters {
  return {
    connections: 0,
    resume_url_connections: 0,
    identifies: 0,
    identifies_throttled: 0,
    resumes: 0,
    resumes_ignored: 0,
    resumed: 0,
    replayed: 0,
    invalid_sessions: 0,
    dispatches: 0,
    heartbeats: 0,
    sessions_expired: 0,
    closes: {},
    member_requests: 0,
    member_requests_rate_limited: 0,
    member_requests_ignored: 0,
  };
}

export function countClose(counters: GatewayCounters, by: "client" | "server", code: number): void {
  const key = `${by}:${code}`;
  counters.closes[key] = (counters.closes[key] ?? 0) + 1;
}
