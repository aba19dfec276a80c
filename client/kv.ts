import { PorchlightError, PorchlightHttpError } from "./errors.ts";
import { type CallOptions, segment, type Transport } from "./http.ts";

/**
 * A user's key-value pairs through Lantern's storage routes (/api/v1/users/:id/storage…). Reads
 * are public; writes carry the user's write token (the bot's /storage token create) as it is, in
 * Authorization, as Lantern's clients send it.
 */

export interface KvWriteOptions extends CallOptions {
  /** This call's token instead of the client's. */
  token?: string;
}

// Lantern's storage routes answer 404 both for a user who is not monitored and for a missing key
// or an empty store, telling them apart only in the message (workers/routes/lantern-storage.ts).
const NO_STORAGE = /does not have any storage/;
const NO_KEY = /does not exist in the storage/;

export class KvApi {
  readonly #transport: Transport;
  readonly #token: string | undefined;

  constructor(transport: Transport, token: string | undefined) {
    this.#transport = transport;
    this.#token = token;
  }

  /** Every pair the user keeps ({} when none); a user who is not monitored is a 404. */
  get(userId: string, key?: undefined, options?: CallOptions): Promise<Record<string, string>>;
  /** One value, or undefined when the key is not set. */
  get(userId: string, key: string, options?: CallOptions): Promise<string | undefined>;
  async get(
    userId: string,
    key?: string,
    options: CallOptions = {},
  ): Promise<Record<string, string> | string | undefined> {
    const storage = `/api/v1/users/${segment(userId)}/storage`;
    try {
      if (key === undefined) {
        return await this.#transport.json<Record<string, string>>({
          ...options,
          method: "GET",
          path: storage,
        });
      }
      const answer = await this.#transport.json<{ value: string }>({
        ...options,
        method: "GET",
        path: `${storage}/${segment(key)}`,
      });
      return answer.value;
    } catch (error) {
      if (error instanceof PorchlightHttpError && error.status === 404) {
        if (key === undefined && NO_STORAGE.test(error.text)) return {};
        if (key !== undefined && (NO_KEY.test(error.text) || NO_STORAGE.test(error.text))) return undefined;
      }
      throw error;
    }
  }

  /** Sets one key (PUT: repeating it is harmless, so it is retried like a read). */
  async set(userId: string, key: string, value: string, options: KvWriteOptions = {}): Promise<void> {
    const { token, ...call } = options;
    await this.#transport.send({
      ...call,
      method: "PUT",
      path: `/api/v1/users/${segment(userId)}/storage/${segment(key)}`,
      json: { value },
      headers: { authorization: this.#tokenFor(token) },
    });
  }

  /** Deletes one key; a key that is not set is a 404. */
  async delete(userId: string, key: string, options: KvWriteOptions = {}): Promise<void> {
    const { token, ...call } = options;
    await this.#transport.send({
      ...call,
      method: "DELETE",
      path: `/api/v1/users/${segment(userId)}/storage/${segment(key)}`,
      headers: { authorization: this.#tokenFor(token) },
    });
  }

  /** Deletes every pair; a store that is already empty is a 404. */
  async clear(userId: string, options: KvWriteOptions = {}): Promise<void> {
    const { token, ...call } = options;
    await this.#transport.send({
      ...call,
      method: "DELETE",
      path: `/api/v1/users/${segment(userId)}/storage`,
      headers: { authorization: this.#tokenFor(token) },
    });
  }

  #tokenFor(token: string | undefined): string {
    const chosen = token ?? this.#token;
    if (!chosen)
      throw new PorchlightError("key-value writes need the user's token: pass `token` to the client");
    return chosen;
  }
}
