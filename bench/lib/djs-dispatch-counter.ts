import { REST } from "@discordjs/rest";
import { CompressionMethod, WebSocketManager, WebSocketShardEvents } from "@discordjs/ws";
import { GatewayDispatchEvents } from "discord-api-types/v10";

/**
 * A child process holding one unmodified @discordjs/ws shard (WebSocketManager, shardCount 1) that
 * counts PRESENCE_UPDATE dispatches by sequence number: the emulator-to-client ceiling of
 * bench/pipeline.ts and bench/events.ts, measured in a process of its own as the gateway runner is,
 * and configured as the runner is: the transport compression (the runner's COMPRESSION, which it
 * maps to CompressionMethod.ZlibNative) and the intents.
 * Talks to its parent over the IPC channel:
 *
 *   child → parent  {type: "ready"}                          after GUILD_CREATE
 *   parent → child  {type: "expect", count}                  reset the counts; answer at once, and
 *   child → parent  {type: "expecting"}                      again when `count` distinct sequences
 *   child → parent  {type: "reached"}                        have arrived
 *   parent → child  {type: "progress"}
 *   child → parent  {type: "progress", distinct}
 *   parent → child  {type: "report"}
 *   child → parent  {type: "report", distinct, duplicates}   since the last "expect"
 *   parent → child  {type: "close"}                          destroy the shard and exit
 *
 * Settings come from the environment: COUNTER_API (the emulator's /api URL), COUNTER_TOKEN,
 * COUNTER_INTENTS (a bitfield) and COUNTER_COMPRESSION (`zlib-stream` or `none`).
 */

type ParentMessage =
  | { type: "expect"; count: number }
  | { type: "progress" }
  | { type: "report" }
  | { type: "close" };

const api = process.env.COUNTER_API;
const token = process.env.COUNTER_TOKEN;
const intents = Number(process.env.COUNTER_INTENTS);
const compression = process.env.COUNTER_COMPRESSION;
if (
  !api ||
  !token ||
  !Number.isInteger(intents) ||
  (compression !== "zlib-stream" && compression !== "none") ||
  !process.send
) {
  console.error(
    "djs-dispatch-counter: run by bench/events.ts or bench/pipeline.ts (needs COUNTER_API, COUNTER_TOKEN, COUNTER_INTENTS, COUNTER_COMPRESSION and IPC)",
  );
  process.exit(2);
}
const send = (message: object) => process.send?.(message);

let seen = new Set<number>();
let duplicates = 0;
let target = Number.POSITIVE_INFINITY;
const rest = new REST({ api, version: "10" }).setToken(token);
const manager = new WebSocketManager({
  token,
  intents,
  rest,
  shardCount: 1,
  compression: compression === "zlib-stream" ? CompressionMethod.ZlibNative : null,
});
manager.on(WebSocketShardEvents.Dispatch, (event) => {
  if (event.t === GatewayDispatchEvents.GuildCreate) send({ type: "ready" });
  else if (event.t === GatewayDispatchEvents.PresenceUpdate) {
    if (seen.has(event.s)) duplicates++;
    else {
      seen.add(event.s);
      if (seen.size === target) send({ type: "reached" });
    }
  }
});

process.on("message", async (message: ParentMessage) => {
  if (message.type === "expect") {
    seen = new Set();
    duplicates = 0;
    target = message.count;
    send({ type: "expecting" });
  } else if (message.type === "progress") {
    send({ type: "progress", distinct: seen.size });
  } else if (message.type === "report") {
    send({ type: "report", distinct: seen.size, duplicates });
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
