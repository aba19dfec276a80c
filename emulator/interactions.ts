import { createPublicKey, verify } from "node:crypto";
import { signInteraction } from "./credentials.ts";
import {
  buildInteraction,
  InteractionError,
  type InteractionPayload,
  type InteractionRequest,
} from "./interaction-payload.ts";
import type { StoredInteraction } from "./interaction-store.ts";
import { acknowledge, parseInitialResponse } from "./rest/interaction-responses.ts";
import type { World } from "./world.ts";

/**
 * The emulator playing Discord towards an application's interactions endpoint: build the
 * interaction, sign it with the application's Ed25519 key, POST it, and report the answer.
 */

export { DISCORD_SYSTEM_USER, InteractionError, type InteractionRequest } from "./interaction-payload.ts";

export interface InteractionResult {
  /**
   * How it went: POSTed to the interactions endpoint, or, for an application without one (and no
   * `url` given), sent as INTERACTION_CREATE on the gateway, as Discord does; the bot then answers
   * through the callback route, which `GET /_emulator/bot/actions` records.
   */
  via: "endpoint" | "gateway";
  /** The endpoint's HTTP status; 202 on the gateway, whose answer comes later. */
  status: number;
  /** Its body: parsed when it says it is JSON (and is), else the text. */
  body: unknown;
  /** What was sent, so a test can use its id and token for follow-ups. */
  interaction: InteractionPayload;
  /**
   * Whether the endpoint's answer was taken as the interaction's initial response (a 200 JSON
   * answer that is a valid response, unless `acknowledgeOnAnswer` is false).
   */
  acknowledged: boolean;
}

export interface DeliveryOptions {
  /** Give up after this long; Discord waits 3 s for the initial response, then fails the interaction. */
  timeoutMs?: number;
  /**
   * Take the endpoint's 200 answer as the interaction's initial response, as Discord does: its
   * message becomes @original and a REST callback after it gets 40060. On by default; false
   * leaves the REST callback open whatever the endpoint answered, for a test of the callback route.
   */
  acknowledgeOnAnswer?: boolean;
}

export const INTERACTION_RESPONSE_TIMEOUT_MS = 3_000;

// Captured from Discord's own requests to interactions endpoints.
const USER_AGENT = "Discord-Interactions/1.0 (+https://discord.com)";

/**
 * Throws InteractionError (400 bad request, 502 endpoint unreachable, 504 no answer in time) or the
 * world's 404s for an unknown user, guild or member. Any HTTP answer, even a 401, is a result.
 */
export async function deliverInteraction(
  world: World,
  request: InteractionRequest,
  options: DeliveryOptions = {},
): Promise<InteractionResult> {
  if (request.url === undefined && !world.application.interactionsEndpointUrl) {
    const interaction = buildInteraction(world, request);
    world.announceInteraction(world.interactions.remember(interaction).payload);
    return { via: "gateway", status: 202, body: null, interaction, acknowledged: false };
  }
  const url = endpointFor(world, request.url);
  const interaction = buildInteraction(world, request);
  // Remembered before it is sent: an endpoint may call the callback route before it answers.
  const stored = world.interactions.remember(interaction);
  const body = JSON.stringify(interaction);
  // Discord signs timestamp + body, the timestamp in unix seconds.
  const timestamp = String(Math.floor(Date.now() / 1000));
  const timeoutMs = options.timeoutMs ?? INTERACTION_RESPONSE_TIMEOUT_MS;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "x-signature-ed25519": signInteraction(world.application.privateKey, timestamp, body),
        "x-signature-timestamp": timestamp,
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const parsed = parseBody(response.headers.get("content-type"), text);
    return {
      via: "endpoint",
      status: response.status,
      body: parsed,
      interaction,
      acknowledged:
        options.acknowledgeOnAnswer !== false &&
        response.status === 200 &&
        answerAcknowledges(world, stored, parsed),
    };
  } catch (error) {
    if (error instanceof Error && error.name === "TimeoutError")
      throw new InteractionError(
        504,
        `interactions endpoint ${url} did not answer within ${timeoutMs} ms (Discord waits 3 s)`,
      );
    const cause =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new InteractionError(502, `interactions endpoint ${url} is unreachable: ${cause}`);
  }
}

/** Checks an interaction's signature as an endpoint must: Ed25519 over timestamp + body. */
export function verifyInteractionSignature(
  publicKeyHex: string,
  signatureHex: string,
  timestamp: string,
  body: string,
): boolean {
  if (!/^[0-9a-f]{64}$/i.test(publicKeyHex) || !/^[0-9a-f]{128}$/i.test(signatureHex)) return false;
  // An SPKI wrapper (RFC 8410) around the raw 32-byte key, which is how node:crypto imports it.
  const spki = Buffer.concat([
    Buffer.from("302a300506032b6570032100", "hex"),
    Buffer.from(publicKeyHex, "hex"),
  ]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  return verify(null, Buffer.from(timestamp + body), key, Buffer.from(signatureHex, "hex"));
}

/**
 * An endpoint's 200 answer as the interaction's initial response; one that is not a valid
 * response (or comes after a REST callback already answered) acknowledges nothing.
 */
function answerAcknowledges(world: World, stored: StoredInteraction, body: unknown): boolean {
  if (typeof body !== "object" || body === null || stored.responseType !== null) return false;
  try {
    acknowledge(world, stored, parseInitialResponse(body));
    return true;
  } catch {
    return false;
  }
}

function endpointFor(world: World, given: string | undefined): string {
  const url = (given ?? world.application.interactionsEndpointUrl)!;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new InteractionError(400, `url: must be an http or https URL, got ${JSON.stringify(url)}`);
  return url;
}

function parseBody(contentType: string | null, text: string): unknown {
  if (!contentType?.includes("json")) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
