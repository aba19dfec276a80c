import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { CommandOption } from "../../schemas/interactions.ts";
import { hexBytes } from "../../workers/bot/signature.ts";
import { BASE, ingest, joined } from "./helpers.ts";

/**
 * Playing Discord towards /interactions inside workerd: interactions shaped as Discord sends them,
 * signed with a test key pair whose public half is the DISCORD_PUBLIC_KEY binding in vitest.config.ts.
 */

/** TEST ONLY: a throwaway Ed25519 private key (PKCS#8, hex). It signs nothing outside these tests. */
const TEST_PRIVATE_KEY =
  "302e020100300506032b657004220420241a92f94141271e17926052deb06951eac2253fa620fcc3e53890d7c5d6cd9e";

const hex = (buffer: ArrayBuffer) =>
  [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

let signingKey: Promise<CryptoKey> | undefined;

export async function sign(timestamp: string, body: string): Promise<string> {
  // PKCS#8 of an Ed25519 key: a 16-byte header, then the 32-byte seed.
  const pkcs8 = hexBytes(TEST_PRIVATE_KEY, 48)!;
  signingKey ??= crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  return hex(
    await crypto.subtle.sign("Ed25519", await signingKey, new TextEncoder().encode(timestamp + body)),
  );
}

export interface SendOptions {
  /** Unix seconds to sign with (default now). */
  timestamp?: number;
  /** Replace the signature header (or drop it with null). */
  signature?: string | null;
  /** Send this body instead of the payload's JSON (after signing it). */
  body?: string;
}

/** POSTs a payload to /interactions, signed as Discord signs it unless told otherwise. */
export async function send(payload: unknown, options: SendOptions = {}): Promise<Response> {
  const body = options.body ?? JSON.stringify(payload);
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = options.signature === undefined ? await sign(timestamp, body) : options.signature;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-signature-timestamp": timestamp,
  };
  if (signature !== null) headers["x-signature-ed25519"] = signature;
  return exports.default.fetch(`${BASE}/interactions`, { method: "POST", headers, body });
}

export interface Reply {
  type: number;
  data?: {
    content?: string;
    flags?: number;
    components?: { type: number; components: { type: number; custom_id: string; style: number }[] }[];
  };
}

/** Sends a payload and returns the interaction response, after checking it is a 200. */
export async function reply(payload: unknown): Promise<Reply> {
  const response = await send(payload);
  expect(response.status).toBe(200);
  return (await response.json()) as Reply;
}

let ids = 0;
const snowflake = () => `13000000000000${String(++ids).padStart(5, "0")}`;

/** Where a user invokes the bot: the monitored guild (member) or a DM with the bot (user). */
export type Place = "guild" | "dm";

function common(type: number, userId: string, place: Place) {
  const user = {
    id: userId,
    username: `user${userId.slice(-4)}`,
    discriminator: "0",
    global_name: null,
    avatar: null,
  };
  return {
    id: snowflake(),
    application_id: "1300000000000000001",
    type,
    token: `interaction-token-${ids}`,
    version: 1,
    locale: "en-US",
    ...(place === "guild"
      ? {
          guild_id: "1300000000000000002",
          channel_id: "1300000000000000003",
          member: { user, roles: [], permissions: "0" },
        }
      : { channel_id: "1300000000000000004", user }),
  };
}

/** An option tree node: a subcommand or group with options beneath, or a value. */
export const sub = (name: string, options: CommandOption[] = []): CommandOption => ({
  type: 1,
  name,
  options,
});
export const group = (name: string, options: CommandOption[]): CommandOption => ({ type: 2, name, options });
export const text = (name: string, value: string): CommandOption => ({ type: 3, name, value });

export const ping = () => ({
  id: snowflake(),
  application_id: "1300000000000000001",
  type: 1,
  token: "t",
  version: 1,
  user: { id: "643945264868098049" },
});

export function command(userId: string, name: string, options: CommandOption[] = [], place: Place = "guild") {
  return { ...common(2, userId, place), data: { id: snowflake(), name, type: 1, options } };
}

/** /storage <subcommand> with the given string options. */
export function storage(
  userId: string,
  subcommand: string,
  values: Record<string, string> = {},
  place: Place = "guild",
) {
  const options = Object.entries(values).map(([name, value]) => text(name, value));
  return command(userId, "storage", [sub(subcommand, options)], place);
}

export function button(userId: string, customId: string, place: Place = "guild") {
  return {
    ...common(3, userId, place),
    data: { custom_id: customId, component_type: 2 },
    message: { id: snowflake(), content: "", flags: 64, components: [] },
  };
}

let members = 0;
/** A user the Worker monitors (joined through ingest), with no pairs yet. */
export async function monitoredUser(): Promise<string> {
  const id = `72000000000000${String(++members).padStart(4, "0")}`;
  expect((await ingest([joined(id, `bot${members}`)])).status).toBe(200);
  return id;
}

/** A user the Worker has never seen. */
export const strangerId = () => `73000000000000${String(++members).padStart(4, "0")}`;

export const content = (r: Reply) => r.data?.content ?? "";
