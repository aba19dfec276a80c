import type { LanternUser } from "../schemas/lantern.ts";
import type { LanyardPresence } from "../schemas/lanyard.ts";
import { PorchlightHttpError } from "./errors.ts";
import { type CallOptions, segment, type Transport } from "./http.ts";

/**
 * Presence reads over REST, in either API's shape: Lantern's user object (GET /api/v1/users/:id)
 * or Lanyard's presence (GET /v1/users/:id, whose {success, data} envelope is removed). Reads are
 * served from the edge cache, so they are cheap to repeat.
 */

export type Dialect = "lantern" | "lanyard";

/** The payload a dialect answers with. */
export type PresenceOf<D extends Dialect> = D extends "lanyard" ? LanyardPresence : LanternUser;

export interface PresenceOptions<D extends Dialect = Dialect> extends CallOptions {
  /** Lantern's shape by default. */
  dialect?: D;
}

/** The bulk route's cap (workers/routes/lantern.ts MAX_BULK_USERS); longer lists are split. */
export const BULK_USERS_PER_REQUEST = 50;

export class PresenceApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /** One monitored user's presence; a user who is not monitored is a PorchlightHttpError 404. */
  get(userId: string, options?: PresenceOptions<"lantern">): Promise<LanternUser>;
  get(userId: string, options: PresenceOptions<"lanyard">): Promise<LanyardPresence>;
  get<D extends Dialect>(userId: string, options?: PresenceOptions<D>): Promise<PresenceOf<D>>;
  async get(userId: string, options: PresenceOptions = {}): Promise<LanternUser | LanyardPresence> {
    const { dialect, ...call } = options;
    if (dialect === "lanyard") {
      const answer = await this.#transport.json<{ success: true; data: LanyardPresence }>({
        ...call,
        method: "GET",
        path: `/v1/users/${segment(userId)}`,
      });
      return answer.data;
    }
    return this.#transport.json<LanternUser>({
      ...call,
      method: "GET",
      path: `/api/v1/users/${segment(userId)}`,
    });
  }

  /**
   * Several users at once, in the order asked for; users who are not monitored are left out (so
   * an empty array when none is). Lantern's bulk route takes 50 ids a request, and longer lists
   * go as several requests at once; Lanyard has no bulk route, so each user is one read.
   */
  getMany(userIds: readonly string[], options?: PresenceOptions<"lantern">): Promise<LanternUser[]>;
  getMany(userIds: readonly string[], options: PresenceOptions<"lanyard">): Promise<LanyardPresence[]>;
  getMany<D extends Dialect>(
    userIds: readonly string[],
    options?: PresenceOptions<D>,
  ): Promise<PresenceOf<D>[]>;
  async getMany(
    userIds: readonly string[],
    options: PresenceOptions = {},
  ): Promise<(LanternUser | LanyardPresence)[]> {
    // The bulk route refuses a repeated id; the answer is the same without the repeat.
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return [];
    const { dialect, ...call } = options;
    if (dialect === "lanyard") {
      const presences = await Promise.all(
        ids.map((id) => notFoundAsNull(this.get(id, { ...call, dialect: "lanyard" }))),
      );
      return presences.filter((presence) => presence !== null);
    }
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += BULK_USERS_PER_REQUEST) {
      chunks.push(ids.slice(i, i + BULK_USERS_PER_REQUEST));
    }
    const answers = await Promise.all(
      chunks.map((chunk) =>
        notFoundAsNull(
          this.#transport.json<LanternUser[]>({
            ...call,
            method: "GET",
            path: "/api/v1/users",
            query: { user_ids: chunk },
          }),
        ),
      ),
    );
    return answers.flatMap((users) => users ?? []);
  }
}

/** The bulk route's 404 means "none of these is monitored", which for a list is an empty one. */
async function notFoundAsNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof PorchlightHttpError && error.status === 404) return null;
    throw error;
  }
}
