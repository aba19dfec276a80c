/**
 * Faults a test switches on to see how a client copes with what Discord does only sometimes:
 * a shared-scope 429 on a busy resource, a 403 in a channel the bot lost access to, and the
 * Cloudflare ban an IP earns with too many invalid requests. Timed faults end by themselves;
 * clear() ends them all. Pure apart from the clock given to the constructor.
 */

export interface SharedFault {
  /** "<METHOD> <route template>", as the route was registered. */
  route: string;
  /** The major parameter's value ("<channel id>", "<application id>/<token>"); absent = every value. */
  major?: string;
  /** When the fault ends, in ms since the Unix epoch. */
  until: number;
}

export interface FaultListing {
  shared: { route: string; major: string | null; remaining_seconds: number }[];
  forbidden: { channel_id: string }[];
  cloudflare_ban: { remaining_seconds: number } | null;
}

export class RestFaults {
  readonly #now: () => number;
  #shared: SharedFault[] = [];
  readonly #forbidden = new Set<string>();
  #cloudflareBanUntil = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  addShared(route: string, major: string | undefined, seconds: number): SharedFault {
    const fault: SharedFault = { route, until: this.#now() + seconds * 1000 };
    if (major !== undefined) fault.major = major;
    this.#shared.push(fault);
    return fault;
  }

  /**
   * The ms left of the longest shared fault covering this request, or undefined when none does.
   * A fault without a major value covers every resource of its route.
   */
  sharedRemainingMs(route: string, major: string | undefined): number | undefined {
    const now = this.#now();
    this.#shared = this.#shared.filter((fault) => fault.until > now);
    let longest: number | undefined;
    for (const fault of this.#shared) {
      if (fault.route !== route || (fault.major !== undefined && fault.major !== major)) continue;
      longest = Math.max(longest ?? 0, fault.until - now);
    }
    return longest;
  }

  forbid(channelId: string): void {
    this.#forbidden.add(channelId);
  }

  isForbidden(channelId: string | undefined): boolean {
    return channelId !== undefined && this.#forbidden.has(channelId);
  }

  /** Bans every REST request for `seconds`; a second ban replaces the first. */
  banCloudflare(seconds: number): void {
    this.#cloudflareBanUntil = this.#now() + seconds * 1000;
  }

  /** The ms left of the Cloudflare ban, or undefined when there is none. */
  cloudflareBanRemainingMs(): number | undefined {
    const remaining = this.#cloudflareBanUntil - this.#now();
    return remaining > 0 ? remaining : undefined;
  }

  list(): FaultListing {
    const now = this.#now();
    this.#shared = this.#shared.filter((fault) => fault.until > now);
    const ban = this.cloudflareBanRemainingMs();
    return {
      shared: this.#shared.map((fault) => ({
        route: fault.route,
        major: fault.major ?? null,
        remaining_seconds: (fault.until - now) / 1000,
      })),
      forbidden: [...this.#forbidden].map((channel_id) => ({ channel_id })),
      cloudflare_ban: ban === undefined ? null : { remaining_seconds: ban / 1000 },
    };
  }

  clear(): void {
    this.#shared = [];
    this.#forbidden.clear();
    this.#cloudflareBanUntil = 0;
  }
}
