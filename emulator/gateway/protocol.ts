import { GatewayCloseCodes, GatewayOpcodes } from "discord-api-types/v10";

/**
 * The gateway's wire rules that need no socket: which connection URLs are accepted, how a client
 * frame is decoded, which opcodes a client may send, and what a close code means for the session.
 */

/** Why the server is about to close a connection: a gateway close code and a human-readable reason. */
export interface Rejection {
  close: number;
  reason: string;
}

export function reject(close: number, reason: string): Rejection {
  return { close, reason };
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === "object" && value !== null && "close" in value && "reason" in value;
}

export const API_VERSION = "10";

export interface ConnectOptions {
  /** Transport compression: one zlib context for the whole connection. */
  zlibStream: boolean;
}

/**
 * Checks `?v=10&encoding=json[&compress=zlib-stream]`; a missing encoding is taken as json. ETF and
 * zstd-stream are real Discord options the emulator does not speak: they are closed with 4002
 * ("error while decoding payload", what Discord says when it cannot read what a client speaks),
 * not 4012, which would blame the API version.
 */
export function checkConnectQuery(query: URLSearchParams): ConnectOptions | Rejection {
  const version = query.get("v");
  if (version !== API_VERSION) {
    return reject(GatewayCloseCodes.InvalidAPIVersion, `Invalid API version: v=${version ?? "(missing)"}`);
  }
  const encoding = query.get("encoding") ?? "json";
  if (encoding !== "json") {
    return reject(GatewayCloseCodes.DecodeError, `encoding=${encoding} is not supported; use encoding=json`);
  }
  const compress = query.get("compress");
  if (compress !== null && compress !== "zlib-stream") {
    return reject(GatewayCloseCodes.DecodeError, `compress=${compress} is not supported; use zlib-stream`);
  }
  return { zlibStream: compress === "zlib-stream" };
}

/** Discord: a client payload over 4096 bytes terminates the connection with 4002. */
export const MAX_CLIENT_PAYLOAD_BYTES = 4096;

export interface ClientPayload {
  op: number;
  d: unknown;
}

/** Opcodes a client may send. 31 and 43 (soundboard sounds, channel info) are accepted and ignored. */
const CLIENT_OPCODES = new Set<number>([
  GatewayOpcodes.Heartbeat,
  GatewayOpcodes.Identify,
  GatewayOpcodes.PresenceUpdate,
  GatewayOpcodes.VoiceStateUpdate,
  GatewayOpcodes.Resume,
  GatewayOpcodes.RequestGuildMembers,
  GatewayOpcodes.RequestSoundboardSounds,
  GatewayOpcodes.RequestChannelInfo,
]);

/** Opcodes that need no session; anything else before IDENTIFY/RESUME is closed with 4003. */
const UNAUTHENTICATED_OPCODES = new Set<number>([
  GatewayOpcodes.Heartbeat,
  GatewayOpcodes.Identify,
  GatewayOpcodes.Resume,
]);

/**
 * Decodes one client frame: an oversized or undecodable frame is 4002, an opcode no client may send
 * is 4001, and anything but a heartbeat, IDENTIFY or RESUME before authenticating is 4003.
 */
export function decodeClientPayload(raw: Buffer, authenticated: boolean): ClientPayload | Rejection {
  if (raw.byteLength > MAX_CLIENT_PAYLOAD_BYTES) {
    return reject(GatewayCloseCodes.DecodeError, `Payload too large: over ${MAX_CLIENT_PAYLOAD_BYTES} bytes`);
  }
  const text = raw.toString();
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return reject(GatewayCloseCodes.DecodeError, "Error while decoding payload: invalid JSON");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return reject(GatewayCloseCodes.DecodeError, "Error while decoding payload: not a JSON object");
  }
  const { op, d } = payload as { op?: unknown; d?: unknown };
  if (typeof op !== "number" || !CLIENT_OPCODES.has(op)) {
    return reject(GatewayCloseCodes.UnknownOpcode, `Unknown opcode: ${JSON.stringify(op) ?? "(missing)"}`);
  }
  if (!authenticated && !UNAUTHENTICATED_OPCODES.has(op)) {
    return reject(GatewayCloseCodes.NotAuthenticated, `Not authenticated: op ${op} before IDENTIFY/RESUME`);
  }
  return { op, d };
}

/**
 * Server closes after which Discord refuses a RESUME. Every other server close (4000, 4001, a
 * control-API close with a custom code) leaves the session resumable.
 */
const SESSION_ENDING_SERVER_CLOSES = new Set<number>([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidSeq,
  GatewayCloseCodes.SessionTimedOut,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

export function serverCloseEndsSession(code: number): boolean {
  return SESSION_ENDING_SERVER_CLOSES.has(code);
}

/** A client closing with 1000 or 1001 says goodbye (the bot goes offline); any other close may resume. */
export function clientCloseEndsSession(code: number): boolean {
  return code === 1000 || code === 1001;
}

/**
 * Codes a server may put in a close frame (RFC 6455 §7.4): 1000-1014 without the reserved
 * 1004-1006, and the 3000-4999 application range. The ws library refuses anything else.
 */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}
