import type { APIMessage } from "discord-api-types/v10";
import { FormErrors, limitQuery, snowflakeField } from "./form.ts";

/**
 * GET /channels/:id/messages: which stored messages a page holds. Discord lists the newest first,
 * at most `limit` (1 to 100, 50 by default), before, after or around a message id; the three are
 * exclusive, and one given with another is ignored in that order (around, before, after).
 */

export interface MessagesQuery {
  limit: number;
  around?: bigint;
  before?: bigint;
  after?: bigint;
}

/** The query string, checked as Discord does (50035 naming each bad field). */
export function messagesQuery(query: Record<string, string>): MessagesQuery {
  const errors = new FormErrors();
  const result: MessagesQuery = { limit: limitQuery(errors, query.limit, 100, 50) };
  for (const name of ["around", "before", "after"] as const) {
    const value = snowflakeField(errors, [name], query[name]);
    if (value !== undefined) result[name] = BigInt(value);
  }
  errors.throwIfAny();
  return result;
}

/** The page, newest first; `messages` are stored oldest first. */
export function messagePage(messages: readonly APIMessage[], query: MessagesQuery): APIMessage[] {
  const id = (m: APIMessage) => BigInt(m.id);
  const newestFirst = [...messages].reverse();
  if (query.around !== undefined) {
    // Half the page the messages just after the id, the rest the id's own and those before it.
    const around = query.around;
    const newer = newestFirst
      .filter((m) => id(m) > around)
      .reverse()
      .slice(0, Math.floor(query.limit / 2));
    const older = newestFirst.filter((m) => id(m) <= around).slice(0, query.limit - newer.length);
    return [...newer.reverse(), ...older];
  }
  if (query.before !== undefined) {
    const before = query.before;
    return newestFirst.filter((m) => id(m) < before).slice(0, query.limit);
  }
  if (query.after !== undefined) {
    const after = query.after;
    // The oldest after the id, listed newest first.
    return newestFirst
      .filter((m) => id(m) > after)
      .reverse()
      .slice(0, query.limit)
      .reverse();
  }
  return newestFirst.slice(0, query.limit);
}
