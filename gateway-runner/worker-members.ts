import { GUILD_MEMBERS_PAGE, GuildMembersPage } from "../schemas/ingest.ts";
import { ingestRouteUrl, signedFetch } from "./signed-fetch.ts";

/**
 * The Worker's record of who is a monitored member of a guild (GET
 * {INGEST_URL}/guilds/:guild_id/members, signed like /ingest, paged), which outlives any runner
 * process: what a complete member list is reconciled against.
 */
export class WorkerMembers {
  readonly #ingestUrl: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #pageSize: number;

  constructor(
    ingestUrl: string,
    secret: string,
    timeoutMs: number,
    pageSize: number = GUILD_MEMBERS_PAGE.maxLimit,
  ) {
    this.#ingestUrl = ingestUrl;
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
    this.#pageSize = pageSize;
  }

  /** Every page; throws, naming the request, on any answer but a valid page. */
  async of(guildId: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const url = ingestRouteUrl(this.#ingestUrl, `guilds/${guildId}/members`);
      url.searchParams.set("limit", String(this.#pageSize));
      if (after !== null) url.searchParams.set("after", after);
      const page = await this.#page(url.toString());
      // A Worker that repeats a cursor would keep this loop going for ever.
      if (page.next !== null && page.next === after) throw new Error(`GET ${url} answered its own cursor`);
      ids.push(...page.user_ids);
      after = page.next;
    } while (after !== null);
    return ids;
  }

  async #page(url: string): Promise<GuildMembersPage> {
    const response = await signedFetch(url, this.#secret, { method: "GET", timeoutMs: this.#timeoutMs });
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${url} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`GET ${url} did not answer JSON`);
    }
    const parsed = GuildMembersPage.safeParse(json);
    if (!parsed.success) {
      throw new Error(`GET ${url} did not answer a member page: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data;
  }
}
