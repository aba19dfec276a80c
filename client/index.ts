/**
 * Porchlight's client library: `import { PorchlightClient } from "porchlight/client"`. Everything a
 * caller needs to name is exported here; the types come from schemas/ as types only, so the
 * client carries no validation library at run time.
 */

export type { APIGuildMember, APIMessage } from "discord-api-types/v10";
export type {
  LanternActivity,
  LanternCustomStatus,
  LanternSpotify,
  LanternUser,
} from "../schemas/lantern.ts";
export type { LanyardPresence, LanyardSpotify } from "../schemas/lanyard.ts";
export type {
  ChannelMessage,
  DirectMessage,
  Embed,
  GuildChannel,
  MessageEdit,
  MessageErrorType,
} from "../schemas/messages.ts";
export type { OnLimit } from "../schemas/proxy.ts";
export type { BackoffOptions } from "./backoff.ts";
export { PorchlightClient, type PorchlightClientOptions } from "./client.ts";
export {
  type HttpErrorType,
  PorchlightError,
  PorchlightHttpError,
  PorchlightNetworkError,
  PorchlightTimeoutError,
} from "./errors.ts";
export type { CallOptions } from "./http.ts";
export type { KvApi, KvWriteOptions } from "./kv.ts";
export type {
  DirectMessageBody,
  GuildsApi,
  MessageCallOptions,
  MessagesApi,
  SendOptions,
} from "./messages.ts";
export type { Dialect, PresenceApi, PresenceOf, PresenceOptions } from "./presence.ts";
export type { RetryOptions } from "./retry-policy.ts";
export type {
  LanternSubscriptionEvents,
  LanyardSubscriptionEvents,
  PresenceSubscription,
  SubscriptionError,
  SubscriptionEvents,
  SubscriptionOptions,
  WebSocketConstructor,
  WebSocketLike,
} from "./subscription.ts";
