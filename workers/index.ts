import type { Env } from "../settings/env.ts";
import { createApp } from "./app.ts";
import { keepGatewayRunnerRunning } from "./runner-container.ts";

export { GatewaySessions } from "../durable-objects/gateway-sessions.ts";
export { InteractionIds } from "../durable-objects/interaction-ids.ts";
export { MessageLedger } from "../durable-objects/message-ledger.ts";
export { MonitoredUsers } from "../durable-objects/monitored-users.ts";
export { RestProxy } from "../durable-objects/rest-proxy/index.ts";
export { SocketHub } from "../durable-objects/socket-hub/index.ts";
export { TokenDirectory } from "../durable-objects/token-directory.ts";
export { UserPresence } from "../durable-objects/user-presence/index.ts";
export type { Env } from "../settings/env.ts";
export { GatewayRunner } from "./runner-container.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  // The cron trigger (wrangler.toml): brings the gateway runner's container back after its host restarts.
  async scheduled(_controller, env, _ctx) {
    await keepGatewayRunnerRunning(env);
  },
} satisfies ExportedHandler<Env>;
