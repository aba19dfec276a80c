import { REST } from "@discordjs/rest";
import { WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import { GatewayDispatchEvents, GatewayIntentBits } from "discord-api-types/v10";

/**
 * A child process holding one unmodified @discordjs/ws shard (WebSocketManager, shardCount 1) that
 * counts PRESENCE_UPDATE dispatches: the emulator-to-client ceiling of bench/pipeline.ts, measured
 * in a process of its own as the gateway runner is. Talks to its parent over the IPC channel:
 *
 *   child → parent  {type: "ready"}            after GUILD_CREATE
 *   parent → child  {type: "expect", count}    reset the count; answer when it reaches `count`
 *   child → parent  {type: "reached"}
 *   parent → child  {type: "close"}            destroy the shard and exit
 *
 * Settings come from the environment: COUNTER_API (the emulator's /api URL) and COUNTER_TOKEN.
 */

const INTENTS = GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences;

type ParentMessage = { type: "expect"; count: number } | { type: "close" };

const api = process.env.COUNTER_API;
const token = process.env.COUNTER_TOKEN;
if (!api || !token || !process.send) {
  console.error("djs-presence-counter: run by bench/pipeline.ts (needs COUNTER_API, COUNTER_TOKEN and IPC)");
  process.exit(2);
}
const send = (message: object) => process.send?.(message);

let seen = 0;
let target = Number.POSITIVE_INFINITY;
const rest = new REST({ api, version: "10" }).setToken(token);
const manager = new WebSocketManager({ token, intents: INTENTS, rest, shardCount: 1 });
manager.on(WebSocketShardEvents.Dispatch, (event) => {
  if (event.t === GatewayDispatchEvents.GuildCreate) send({ type: "ready" });
  else if (event.t === GatewayDispatchEvents.PresenceUpdate && ++seen === target) send({ type: "reached" });
});

process.on("message", async (message: ParentMessage) => {
  if (message.type === "expect") {
    seen = 0;
    target = message.count;
  } else if (message.type === "close") {
    await manager.destroy();
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
    process.disconnect();
  }
});
// The parent gone (killed, crashed) means there is nothing left to measure for.
process.on("disconnect", () => process.exit(0));

await manager.connect();
