import type { LanternUser } from "../../schemas/lantern.ts";
import type { LanyardPresence } from "../../schemas/lanyard.ts";
import type { LanternServerFrame, LanyardServerFrame } from "../../schemas/socket.ts";

/**
 * Every frame the server sends on /socket, both dialects, as the JSON text that goes on the wire.
 * Pure: payloads arrive already shaped (durable-objects/payloads/), so a builder only wraps them.
 * The frames' schemas are in schemas/socket.ts. Compression (Lanyard's ?compression=zlib_json) is
 * the hub's job: it deflates the text (zlib format, `new CompressionStream("deflate")`, one stream
 * per message) when a send effect says `compress`.
 */

/** A user's payloads in both dialects; a UserPresence snapshot satisfies it. */
export interface UserPayloads {
  lantern: LanternUser;
  lanyard: LanyardPresence;
}

const lantern = (frame: LanternServerFrame): string => JSON.stringify(frame);
const lanyard = (frame: LanyardServerFrame): string => JSON.stringify(frame);

/** HELLO for both dialects at once: Lantern reads `t` and `op`, Lanyard reads `op` and ignores `t`. */
export function hello(heartbeatIntervalMs: number): string {
  return lantern({ t: "HELLO", op: 1, d: { heartbeat_interval: heartbeatIntervalMs } });
}

const HEARTBEAT_ACK = lantern({ t: "HEARTBEAT_ACK", op: 5 });
const UNSUBSCRIBE_ACK = lantern({ t: "UNSUBSCRIBE_ACK", op: 15 });

/**
 * The one message the runtime answers without waking the hub (ctx.setWebSocketAutoResponse takes a
 * single exact request string per object): Lantern's bare heartbeat. `{"t":"HEARTBEAT","op":4}` and
 * other spellings reach the hub and are answered by protocol.ts with the same text. Lanyard's
 * heartbeat (op 3) expects no answer, so it needs none. The answer is always plain text, even on a
 * socket opened with ?compression=zlib_json. The hub reads when it last answered with
 * ctx.getWebSocketAutoResponseTimestamp(ws) and passes that to tick() as a sign of life.
 */
export const AUTO_RESPONSE = { request: '{"op":4}', response: HEARTBEAT_ACK } as const;

export const lanternFrames = {
  heartbeatAck: (): string => HEARTBEAT_ACK,
  initAck: (users: LanternUser | LanternUser[]): string => lantern({ t: "INIT_ACK", op: 3, d: users }),
  presenceUpdate: (user: LanternUser): string => lantern({ t: "PRESENCE_UPDATE", op: 6, d: user }),
  userLeft: (userId: string): string => lantern({ t: "USER_LEFT", op: 7, d: { user_id: userId } }),
  userJoined: (user: LanternUser): string => lantern({ t: "USER_JOINED", op: 8, d: user }),
  /** `error` is the key Lantern's code sends, `reason` the one its README shows; both carry the text. */
  disconnect: (message: string): string =>
    lantern({ t: "DISCONNECT", op: 9, d: { error: message, reason: message } }),
  storageUpdate: (user: LanternUser): string => lantern({ t: "STORAGE_UPDATE", op: 10, d: user }),
  error: (message: string): string => lantern({ t: "ERROR", op: 11, d: message }),
  subscribeAck: (users: LanternUser | LanternUser[]): string =>
    lantern({ t: "SUBSCRIBE_ACK", op: 13, d: users }),
  unsubscribeAck: (): string => UNSUBSCRIBE_ACK,
};

export const lanyardFrames = {
  /** subscribe_to_id: the presence, or {} when the user is not monitored; otherwise id → presence. */
  initState: (d: LanyardPresence | Record<string, LanyardPresence>): string =>
    lanyard({ op: 0, t: "INIT_STATE", d }),
  /** With the user's id added (Lanyard PR #297): harmless to clients that do not read it. */
  presenceUpdate: (userId: string, presence: LanyardPresence): string =>
    lanyard({ op: 0, t: "PRESENCE_UPDATE", d: { ...presence, user_id: userId } }),
};

/** Every builder fan-out uses; tests pass counting wrappers to prove each frame is built once. */
export interface FrameBuilders {
  lantern: typeof lanternFrames;
  lanyard: typeof lanyardFrames;
}

export const FRAMES: FrameBuilders = { lantern: lanternFrames, lanyard: lanyardFrames };
