import { z } from "zod";

/**
 * The REST proxy's contract (/proxy/api/v10/…): what a caller may send beside Discord's own
 * request, what the proxy answers when it refuses, and what the Worker and the bot's rate-limit
 * object (durable-objects/rest-proxy/) say to each other. Discord's own answers pass through whole
 * and are not described here.
 */

/** The API version the proxy forwards; any other is a 400, since buckets and routes are v10's. */
export const PROXY_API_VERSION = "v10";

export const PROXY_LIMITS = {
  /** Discord's own ceiling for one request with attachments (boosted guilds) is 500 MiB; bots rarely send more than this. */
  maxBodyBytes: 25 * 1024 * 1024,
  /** Query strings past this are refused: no Discord route takes more than a handful of parameters. */
  maxQueryBytes: 2_048,
  maxPathBytes: 1_024,
  /** X-Audit-Log-Reason is capped by Discord at 512 characters (URL-encoded, so up to 3 bytes each). */
  maxAuditLogReasonBytes: 1_536,
  /** X-Porchlight-Timeout never exceeds this, whatever PROXY_MAX_TIMEOUT_MS says. */
  hardMaxTimeoutMs: 15 * 60_000,
} as const;

/**
 * The proxy's own failures. Each has a fixed HTTP status so a caller can branch on `code` alone;
 * the first nine are the Spectacles proxy's failure kinds (shared/seeds/003), the rest are limits
 * the proxy enforces for the bot's sake.
 */
export const PROXY_ERRORS = {
  invalid_path: { status: 400, summary: "The path is not a Discord v10 route the proxy may forward." },
  invalid_query: { status: 400, summary: "The query string is malformed or too long." },
  invalid_method: { status: 405, summary: "Discord's REST API takes GET, POST, PUT, PATCH and DELETE only." },
  invalid_headers: { status: 400, summary: "An X-Porchlight-* or forwarded header has a bad value." },
  invalid_body: { status: 413, summary: "The body is larger than the proxy forwards." },
  unauthorized: { status: 401, summary: "No proxy key, a wrong key, or a key of another bot." },
  upstream_failure: { status: 502, summary: "Discord could not be reached or answered garbage." },
  upstream_timeout: {
    status: 504,
    summary: "Discord did not answer before the deadline; the request may still take effect.",
  },
  proxy_timeout: {
    status: 504,
    summary: "The deadline passed while the request waited for Discord's limits; it was never sent.",
  },
  locked: {
    status: 503,
    summary: "Discord refused the bot's token (401); the bot is locked until an operator unlocks it.",
  },
  invalid_request_budget: {
    status: 503,
    summary:
      "The bot is near Discord's invalid-request ban (10,000 per 10 minutes); refused until the window slides.",
  },
  banned: {
    status: 503,
    summary: "Discord's Cloudflare front banned this egress address; refused until the ban ends.",
  },
  not_configured: {
    status: 503,
    summary: "This deployment has no bot for the proxy (DISCORD_TOKEN is unset).",
  },
} as const;

export type ProxyErrorCode = keyof typeof PROXY_ERRORS;
export const ProxyErrorCode = z.enum(Object.keys(PROXY_ERRORS) as [ProxyErrorCode, ...ProxyErrorCode[]]);

export const ProxyError = z
  .object({
    code: ProxyErrorCode.describe("Which refusal; each has a fixed HTTP status."),
    message: z.string(),
    /** Seconds until a refusal may lift (locked has none: it waits for an operator). */
    retry_after: z
      .number()
      .optional()
      .describe("Seconds until a refusal may lift (locked has none: it waits for an operator)."),
  })
  .meta({ description: "A refusal made by the proxy itself (X-Porchlight-Generated: 1), never Discord's." });
export type ProxyError = z.output<typeof ProxyError>;

/** Discord's 429 body, which the proxy's own 429s copy exactly so every client library handles them. */
export const RateLimitedBody = z
  .object({
    message: z.string(),
    retry_after: z.number().describe("Seconds to wait, as Discord counts them (fractions included)."),
    global: z.boolean().describe("Whether the bot's global limit, not the route's, was reached."),
  })
  .meta({ description: "Discord's 429 body; the proxy's own 429s copy it exactly." });
export type RateLimitedBody = z.output<typeof RateLimitedBody>;

/** What a caller chooses when Discord would refuse: wait in order (default) or be told at once. */
export const OnLimit = z.enum(["queue", "reject"]);
export type OnLimit = z.output<typeof OnLimit>;

export const PROXY_HEADERS = {
  onLimit: "x-porchlight-on-limit",
  timeout: "x-porchlight-timeout",
  /** Optional: names the bot a caller means; a key of another bot is then refused. */
  bot: "x-porchlight-bot",
  /** The proxy key when Authorization carries a user's OAuth token (Bearer) for Discord. */
  key: "x-porchlight-key",
  generated: "x-porchlight-generated",
  cache: "x-porchlight-cache",
} as const;

/** What a route is to Discord's limits: whose token it carries and whether the global limit applies. */
export const RouteKind = z.enum([
  /** The bot's token; the global limit and the bot's buckets apply. */
  "bot",
  /** An interaction callback: its token is in the path; exempt from the global limit. */
  "interaction",
  /** /webhooks/:id/:token…: the token is in the path; buckets per id and token, no global limit. */
  "webhook",
  /** A user's OAuth token (Bearer): limits are the user's, not the bot's. */
  "user",
]);
export type RouteKind = z.output<typeof RouteKind>;

/** A request as the rate-limit object sees it: its route, never its body or any token. */
export const RateLimitedRoute = z.object({
  method: z.string(),
  /** The route with ids replaced (`/channels/:id/messages`), as @discordjs/rest keys buckets. */
  bucketRoute: z.string(),
  /** The top-level resource (channel, guild, webhook id and token hash) or "global". */
  major: z.string(),
  kind: RouteKind,
});
export type RateLimitedRoute = z.output<typeof RateLimitedRoute>;

/** Worker → object: may this request go now? */
export const AcquireRequest = z.object({
  route: RateLimitedRoute,
  onLimit: OnLimit,
  /** Epoch ms past which the caller has given up; the request is then never sent. */
  deadline: z.number(),
});
export type AcquireRequest = z.output<typeof AcquireRequest>;

/** Why the object refused a request without sending it. */
export const Refusal = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("rate_limited"),
    scope: z.enum(["global", "user", "shared"]),
    retryAfterMs: z.number(),
  }),
  z.object({ kind: z.literal("proxy_timeout") }),
  z.object({ kind: z.literal("locked") }),
  z.object({ kind: z.literal("invalid_request_budget"), retryAfterMs: z.number() }),
  z.object({ kind: z.literal("banned"), retryAfterMs: z.number() }),
]);
export type Refusal = z.output<typeof Refusal>;

export const AcquireAnswer = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), permit: z.number(), queuedMs: z.number() }),
  z.object({ ok: z.literal(false), refusal: Refusal, queuedMs: z.number() }),
]);
export type AcquireAnswer = z.output<typeof AcquireAnswer>;

/** The parts of Discord's answer that teach the limiter; read by durable-objects/rest-proxy/answers.ts. */
export const UpstreamAnswer = z.object({
  status: z.number(),
  /** Lower-cased rate-limit headers and Retry-After / Via, as Discord sent them. */
  headers: z.record(z.string(), z.string()),
  /** Discord's 429 body when it was JSON. */
  body: RateLimitedBody.partial().nullable(),
});
export type UpstreamAnswer = z.output<typeof UpstreamAnswer>;

/** Worker → object, after Discord answered (or the call failed: `answer` null). */
export const SettleReport = z.object({
  permit: z.number(),
  route: RateLimitedRoute,
  answer: UpstreamAnswer.nullable(),
  /** The caller's status as the Worker answered it, for the per-route request counter. */
  status: z.number(),
  queuedMs: z.number(),
});
export type SettleReport = z.output<typeof SettleReport>;

/** Extra bots beyond DISCORD_TOKEN (PROXY_BOTS, a secret holding JSON). */
export const ProxyBotSetting = z.strictObject({
  token: z.string().min(20),
  /** SHA-256 hex digests of this bot's proxy keys. */
  keys: z.array(z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hex digest")).min(1),
  /** Discord raises this for large bots; 50 otherwise. */
  global_per_second: z.int().min(1).max(100_000).optional(),
});
export const ProxyBotsSetting = z.record(
  z.string().regex(/^[a-z0-9-]{1,32}$/, "bot names are 1-32 of a-z, 0-9 and -"),
  ProxyBotSetting,
);

/** PROXY_CACHE_TTLS: `"GET /users/:id": seconds`, route templates as bucketRoute spells them. */
export const ProxyCacheTtlsSetting = z.record(
  z.string().regex(/^GET \/\S*$/, 'keys are "GET <route>", e.g. "GET /users/:id"'),
  z.int().min(1).max(86_400),
);
