/**
 * Why a card could not be drawn, in words for the person who pasted its URL into a README: the
 * error card's title names what went wrong, its message what to do about it. REST answers the same
 * requests in JSON; the card has only its picture to say it with.
 */

export interface CardError {
  status: 400 | 404;
  title: string;
  message: string;
}

/** Longest part of a request echoed back, so a pasted paragraph does not fill the card. */
const ECHO_CHARS = 40;

function echoed(value: string): string {
  const chars = [...value];
  return chars.length > ECHO_CHARS ? `${chars.slice(0, ECHO_CHARS - 1).join("")}…` : value;
}

export const cardErrors = {
  /** The path's id is not a snowflake: nothing can be looked up. */
  notADiscordId: (id: string): CardError => ({
    status: 400,
    title: "Not a Discord user id",
    message: `"${echoed(id)}" is not a Discord user id, which is 17 to 20 digits (in Discord: right-click a user, Copy User ID).`,
  }),
  /** A real id, but of nobody in the guilds this deployment watches. */
  notMonitored: (id: string): CardError => ({
    status: 404,
    title: "Not monitored here",
    message: `User ${id} is not being monitored by this Porchlight deployment: they are in none of the servers it watches.`,
  }),
  /** The id is fine; a card option is not (the message names it, from the query's validation). */
  badParameter: (message: string): CardError => ({ status: 400, title: "Bad card parameter", message }),
};
