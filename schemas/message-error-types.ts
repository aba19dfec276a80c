import type { MessageErrorType } from "./messages.ts";
import type { ProxyErrorCode } from "./proxy.ts";

/**
 * What each of the proxy's own refusals is to a message API caller: shared by the Worker (which
 * answers with it) and the client library (which reads proxy errors the same way), and free of zod
 * so the client carries no schema library at run time.
 */
export const PROXY_ERROR_TYPES: Record<ProxyErrorCode, MessageErrorType> = {
  invalid_path: "invalid_input",
  invalid_query: "invalid_input",
  // The message API builds its own paths and methods: a refusal of one is Porchlight's fault.
  invalid_method: "internal",
  invalid_headers: "invalid_input",
  invalid_body: "invalid_input",
  unauthorized: "unauthorized",
  upstream_failure: "discord_unavailable",
  upstream_timeout: "timeout",
  proxy_timeout: "timeout",
  locked: "discord_unavailable",
  invalid_request_budget: "discord_unavailable",
  banned: "discord_unavailable",
  not_configured: "discord_unavailable",
};
