import type { Emulator } from "../../../emulator/server.ts";

/** One REST call against a running emulator, as a bot (or with the given Authorization). */
export interface RestCall {
  body?: unknown;
  /** Sent as is instead of JSON.stringify(body): for bodies that are not valid JSON. */
  raw?: string;
  /** The Authorization header; the bot's token by default, null to send none. */
  authorization?: string | null;
}

export interface RestReply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the emulator answered.
  body: any;
}

export async function callRest(
  emulator: Emulator,
  method: string,
  path: string,
  call: RestCall = {},
): Promise<RestReply> {
  const authorization =
    call.authorization === undefined ? `Bot ${emulator.world.application.botToken}` : call.authorization;
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  const payload = call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  if (payload !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${emulator.urls.api}/v10${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** A fresh text channel (in a new guild) whose message bucket no other test has touched. */
export function freshChannel(emulator: Emulator): string {
  return emulator.world.createGuild({ name: "scratch", channelNames: ["scratch"] }).channelIds[0]!;
}
