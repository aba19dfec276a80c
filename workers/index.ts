import { createApp } from "./app.ts";

export { GatewaySessions } from "../durable-objects/gateway-sessions.ts";
export { MonitoredUsers } from "../durable-objects/monitored-users.ts";
export { UserPresence } from "../durable-objects/user-presence/index.ts";
export type { Env } from "./env.ts";

export default createApp();
