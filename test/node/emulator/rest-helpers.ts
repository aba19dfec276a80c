import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

export interface ControlReply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the control API answered.
  body: any;
}

/** One control API call (`/_emulator…`); `raw` is sent as is, for bodies that are not JSON. */
export async function callControl(
  emulator: Emulator,
  method: string,
  path: string,
  body?: unknown,
  raw?: string,
): Promise<ControlReply> {
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const res = await fetch(`${emulator.urls.control}${path}`, {
    method,
    headers: payload === undefined ? {} : { "content-type": "application/json" },
    body: payload,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * A stand-in interactions endpoint that answers every interaction with `answer` (status and JSON
 * body; a body of null sends none), so tests get interactions the emulator remembers.
 */
export async function startInteractionsEndpoint(answer: { status: number; body: unknown }) {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (answer.body === null) {
        res.writeHead(answer.status).end();
        return;
      }
      res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/interactions`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
