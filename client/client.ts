import { PorchlightError } from "./errors.ts";
import { Transport } from "./http.ts";
import { KvApi } from "./kv.ts";
import { GuildsApi, MessagesApi } from "./messages.ts";
import { type Dialect, PresenceApi } from "./presence.ts";
import { DEFAULT_RETRY, type RetryOptions } from "./retry-policy.ts";
import { PresenceSubscription, type SubscriptionOptions, type WebSocketConstructor } from "./subscription.ts";

/**
 * One client for everything a Porchlight deployment serves: presence (REST and live), key-value
 * storage, and Discord messages through the proxy. It uses only fetch and WebSocket, so the same
 * code runs in browsers, Node 22+ and Workers.
 */

export interface PorchlightClientOptions {
  /** The deployment's origin, e.g. https://porchlight.example.com. */
  url: string;
  /** A proxy key, for messages and guilds (sent as `Authorization: Bot <key>`). */
  key?: string;
  /** A user's key-value write token (the bot's /storage token create). */
  token?: string;
  /** Every call's deadline in ms, retries included, unless the call names its own (default 30000). */
  timeoutMs?: number;
  /** How calls that are safe to repeat are retried (default 3 retries, 250 ms doubling to 5 s). */
  retry?: Partial<RetryOptions>;
  /** Instead of the global fetch. */
  fetch?: typeof fetch;
  /** Instead of the global WebSocket (e.g. the `ws` package on an older runtime). */
  WebSocket?: WebSocketConstructor;
}

export class PorchlightClient {
  readonly url: string;
  readonly presence: PresenceApi;
  readonly kv: KvApi;
  readonly messages: MessagesApi;
  readonly guilds: GuildsApi;
  readonly #WebSocket: WebSocketConstructor | undefined;

  constructor(options: PorchlightClientOptions) {
    let origin: URL;
    try {
      origin = new URL(options.url);
    } catch {
      throw new PorchlightError(`not a URL: ${options.url}`);
    }
    if (origin.protocol !== "http:" && origin.protocol !== "https:") {
      throw new PorchlightError(`the URL must be http(s): ${options.url}`);
    }
    this.url = origin.href.replace(/\/+$/, "");
    const given = options.fetch;
    const transport = new Transport({
      baseUrl: this.url,
      // Looked up on each call, so a fetch installed later (a test's, a polyfill) is the one used.
      fetch: given ?? ((input, init) => globalThis.fetch(input, init)),
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
    });
    this.presence = new PresenceApi(transport);
    this.kv = new KvApi(transport, options.token);
    this.messages = new MessagesApi(transport, options.key);
    this.guilds = new GuildsApi(transport, options.key);
    this.#WebSocket = options.WebSocket;
  }

  /**
   * A live subscription to some users, or "all", on /socket: typed events, heartbeats,
   * reconnection with backoff and jitter. Lantern's protocol by default.
   */
  subscribe(
    users: string | readonly string[] | "all",
    options?: SubscriptionOptions<"lantern">,
  ): PresenceSubscription<"lantern">;
  subscribe(
    users: string | readonly string[] | "all",
    options: SubscriptionOptions<"lanyard">,
  ): PresenceSubscription<"lanyard">;
  subscribe<D extends Dialect>(
    users: string | readonly string[] | "all",
    options: SubscriptionOptions<D> = {},
  ): PresenceSubscription<D> {
    const WebSocketClass = this.#WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketClass) {
      throw new PorchlightError("this runtime has no global WebSocket: pass `WebSocket` to the client");
    }
    return new PresenceSubscription<D>({
      ...options,
      url: `${this.url.replace(/^http/, "ws")}/socket`,
      targets: users === "all" ? "all" : typeof users === "string" ? [users] : users,
      WebSocket: WebSocketClass,
    });
  }
}
