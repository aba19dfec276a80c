import type { APIMessage } from "discord-api-types/v10";

/**
 * The interactions the emulator delivered, remembered by id and token for as long as Discord
 * honours an interaction token (15 minutes), so the REST callback and webhook routes can tell a
 * real token from a made-up one, and a second callback from the first. Pure apart from the clock.
 */

/** Discord: "Interaction tokens are valid for 15 minutes". */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;

export interface StoredInteraction {
  id: string;
  token: string;
  applicationId: string;
  /** The interaction's type: 1 PING, 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT. */
  type: number;
  /** Where its messages go; null for a PING. */
  channelId: string | null;
  /** The interaction as sent, for the metadata its messages carry. */
  payload: Record<string, unknown>;
  /** ms since the Unix epoch. */
  createdAt: number;
  /** The callback type of the initial response; null until the interaction is acknowledged. */
  responseType: number | null;
  /** The original response's message, once there is one (callbacks 4 and 5, or 6 and 7 on a component). */
  original: APIMessage | null;
  /** Ids of its follow-up messages. */
  followUps: Set<string>;
}

/** Remembered interactions before expired ones are swept. */
const SWEEP_THRESHOLD = 10_000;

export class InteractionStore {
  readonly #byToken = new Map<string, StoredInteraction>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  remember(payload: Record<string, unknown>): StoredInteraction {
    const now = this.#now();
    if (this.#byToken.size >= SWEEP_THRESHOLD) this.#sweep(now);
    const stored: StoredInteraction = {
      id: String(payload.id),
      token: String(payload.token),
      applicationId: String(payload.application_id),
      type: Number(payload.type),
      channelId: typeof payload.channel_id === "string" ? payload.channel_id : null,
      payload,
      createdAt: now,
      responseType: null,
      original: null,
      followUps: new Set(),
    };
    this.#byToken.set(stored.token, stored);
    return stored;
  }

  /** The live interaction with this token (undefined once it has expired). */
  byToken(token: string): StoredInteraction | undefined {
    const stored = this.#byToken.get(token);
    if (!stored) return undefined;
    if (this.#now() - stored.createdAt >= INTERACTION_TOKEN_LIFETIME_MS) {
      this.#byToken.delete(token);
      return undefined;
    }
    return stored;
  }

  /** The callback route names both; an id that does not go with the token is unknown. */
  byIdAndToken(id: string, token: string): StoredInteraction | undefined {
    const stored = this.byToken(token);
    return stored?.id === id ? stored : undefined;
  }

  get size(): number {
    return this.#byToken.size;
  }

  #sweep(now: number): void {
    for (const [token, stored] of this.#byToken) {
      if (now - stored.createdAt >= INTERACTION_TOKEN_LIFETIME_MS) this.#byToken.delete(token);
    }
  }
}
