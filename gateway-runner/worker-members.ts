import { GUILD_MEMBERS_PAGE, GuildMembersPage } from "../schemas/ingest.ts";
import { describeError, withoutCredentials } from "./log.ts";
import { ingestRouteUrl, signedFetch } from "./signed-fetch.ts";

/**
 * The most members one guild's record is read to: more than twice the largest Discord guilds (about
 * 20 million members), while the Worker holds only the monitored ones. It bounds the pages a Worker
 * whose cursors never end can make the runner read, and the ids it can make it keep.
 */
export const MAX_GUILD_MEMBERS = 50_000_000;

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
  readonly #maxPages: number;
  readonly #maxMembers: number;

  constructor(
    ingestUrl: string,
    secret: string,
    timeoutMs: number,
    pageSize: number = GUILD_MEMBERS_PAGE.maxLimit,
    maxMembers: number = MAX_GUILD_MEMBERS,
  ) {
    this.#ingestUrl = ingestUrl;
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
    this.#pageSize = pageSize;
    this.#maxMembers = maxMembers;
    // One more than full pages need: a Worker may end on a page it could not fill.
    this.#maxPages = Math.ceil(maxMembers / pageSize) + 1;
  }

  /**
   * Every page; throws, naming the request, on any answer but a valid page. The Worker pages in
   * text order of ids (SQLite's comparison of TEXT, which JavaScript's of strings matches for the
   * digits of ids), so each `next` must sort after the `after` it answered: any other cursor could
   * lead back to a page already read, and round again for ever.
   */
  async of(guildId: string): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    for (let pages = 1; ; pages += 1) {
      const url = ingestRouteUrl(this.#ingestUrl, `guilds/${guildId}/members`);
      url.searchParams.set("limit", String(this.#pageSize));
      if (after !== null) url.searchParams.set("after", after);
      const shown = `GET ${withoutCredentials(url.toString())}`;
      const page = await this.#page(url.toString(), shown);
      if (page.user_ids.length > this.#pageSize) {
        throw new Error(`${shown} answered ${page.user_ids.length} ids for a page of ${this.#pageSize}`);
      }
      ids.push(...page.user_ids);
      if (page.next === null) return ids;
      if (after !== null && !(page.next > after)) {
        throw new Error(
          `${shown} answered the cursor ${page.next}, not after ${after} (the Worker pages in text order of ids)`,
        );
      }
      if (pages >= this.#maxPages) {
        throw new Error(
          `${shown}: more than ${this.#maxPages} pages (${this.#maxMembers} members at ${this.#pageSize} a page); giving up`,
        );
      }
      after = page.next;
    }
  }

  async #page(url: string, shown: string): Promise<GuildMembersPage> {
    let response: Response;
    try {
      response = await signedFetch(url, this.#secret, { method: "GET", timeoutMs: this.#timeoutMs });
    } catch (error) {
      throw new Error(`${shown} failed: ${describeError(error)}`);
    }
    const text = await response.text();
    if (!response.ok) throw new Error(`${shown} answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${shown} did not answer JSON`);
    }
    const parsed = GuildMembersPage.safeParse(json);
    if (!parsed.success) {
      throw new Error(`${shown} did not answer a member page: ${parsed.error.issues[0]?.message}`);
    }
    return parsed.data;
  }
}
