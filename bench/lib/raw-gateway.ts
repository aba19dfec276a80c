import { GatewayDispatchEvents, GatewayIntentBits, GatewayOpcodes } from "discord-api-types/v10";
import WebSocket from "ws";

/**
 * A bare gateway client with no library: it identifies with the presence intents, resolves once
 * its guild has arrived, and hands every PRESENCE_UPDATE to `onPresence` with its arrival time and
 * the frame's text. The benchmarks' floor for what a gateway client can receive.
 */

export const PRESENCE_INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences;

export async function connectRawGateway(
  gatewayUrl: string,
  token: string,
  onPresence: (at: number, text: string) => void,
): Promise<{ close(): void }> {
  const ws = new WebSocket(`${gatewayUrl}?v=10&encoding=json`);
  await new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data) => {
      const at = performance.now();
      const text = data.toString();
      const payload = JSON.parse(text);
      if (payload.op === GatewayOpcodes.Hello) {
        ws.send(
          JSON.stringify({
            op: GatewayOpcodes.Identify,
            d: { token, intents: PRESENCE_INTENTS, properties: {} },
          }),
        );
      } else if (payload.t === GatewayDispatchEvents.GuildCreate) resolve();
      else if (payload.t === GatewayDispatchEvents.PresenceUpdate) onPresence(at, text);
    });
  });
  return { close: () => ws.close(1000) };
}
