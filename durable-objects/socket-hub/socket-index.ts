import type { SocketSession } from "./protocol.ts";

/**
 * A hub's sockets by subscription, so a change for one user touches only that user's sockets and
 * the All sockets, never every socket of the hub. Kept in memory and rebuilt from the sockets'
 * attachments when a hibernated hub wakes. Keyed by any socket handle (WebSocket in the hub).
 */
export class SocketIndex<K> {
  readonly #sessions = new Map<K, SocketSession>();
  readonly #byUser = new Map<string, Set<K>>();
  readonly #all = new Set<K>();

  get size(): number {
    return this.#sessions.size;
  }

  /** Sockets subscribed to All. */
  get allCount(): number {
    return this.#all.size;
  }

  get(key: K): SocketSession | undefined {
    return this.#sessions.get(key);
  }

  entries(): IterableIterator<[K, SocketSession]> {
    return this.#sessions.entries();
  }

  set(key: K, session: SocketSession): void {
    this.#unindex(key);
    this.#sessions.set(key, session);
    const sub = session.subscription;
    if (sub.kind === "all") this.#all.add(key);
    if (sub.kind === "ids") {
      for (const id of sub.ids) {
        const sockets = this.#byUser.get(id);
        if (sockets) sockets.add(key);
        else this.#byUser.set(id, new Set([key]));
      }
    }
  }

  delete(key: K): void {
    this.#unindex(key);
    this.#sessions.delete(key);
  }

  /** Users some socket is subscribed to by id. */
  get watchedCount(): number {
    return this.#byUser.size;
  }

  /** Whether some socket is subscribed to this user by id (so the hub must watch the user). */
  watches(userId: string): boolean {
    return this.#byUser.has(userId);
  }

  /** Who hears a change of this user: sockets subscribed to the id, then All sockets. */
  audience(userId: string): [K, SocketSession][] {
    const keys = [...(this.#byUser.get(userId) ?? []), ...this.#all];
    return keys.map((key) => [key, this.#sessions.get(key)!]);
  }

  #unindex(key: K): void {
    const old = this.#sessions.get(key)?.subscription;
    if (!old) return;
    if (old.kind === "all") this.#all.delete(key);
    if (old.kind === "ids") {
      for (const id of old.ids) {
        const sockets = this.#byUser.get(id);
        sockets?.delete(key);
        if (sockets?.size === 0) this.#byUser.delete(id);
      }
    }
  }
}
