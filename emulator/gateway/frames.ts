import { GatewayOpcodes } from "discord-api-types/v10";

/**
 * Serialised gateway frames. A dispatch is built by splicing its already-serialised `d` into the
 * envelope: one world event goes to many sessions and only `s` differs between them, so `d` is
 * stringified once per event instead of once per session.
 */

/** A non-dispatch frame: `s` and `t` are null unless op is 0. */
export function opFrame(op: GatewayOpcodes, d: unknown): string {
  return JSON.stringify({ op, d, s: null, t: null });
}

export function dispatchFrame(t: string, s: number, dJson: string): string {
  return `{"op":0,"s":${s},"t":"${t}","d":${dJson}}`;
}

export function helloFrame(heartbeatIntervalMs: number): string {
  return opFrame(GatewayOpcodes.Hello, { heartbeat_interval: heartbeatIntervalMs });
}

export function invalidSessionFrame(resumable: boolean): string {
  return opFrame(GatewayOpcodes.InvalidSession, resumable);
}

export const HEARTBEAT_ACK_FRAME = opFrame(GatewayOpcodes.HeartbeatAck, null);
export const RECONNECT_FRAME = opFrame(GatewayOpcodes.Reconnect, null);
