/**
 * A small typed event emitter: EventTarget's listener model with payloads typed per event name,
 * which EventTarget itself cannot express. No platform events, so it runs anywhere.
 */

export type Listener<T> = (payload: T) => void;

export class TypedEvents<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Calls `listener` for every `type` event; returns a function that removes it. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(type, listener);
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(type)?.delete(listener as Listener<never>);
  }

  /** The next `type` event's payload. */
  once<K extends keyof Events>(type: K): Promise<Events[K]> {
    return new Promise((resolve) => {
      const remove = this.on(type, (payload) => {
        remove();
        resolve(payload);
      });
    });
  }

  protected emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        // As EventTarget does: a listener's failure is reported, and never stops the others or the
        // connection that emitted the event.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
