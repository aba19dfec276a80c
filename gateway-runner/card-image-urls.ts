import { lanternUser } from "../durable-objects/payloads/lantern.ts";
import type { DiscordProfile, Presence } from "../schemas/ingest.ts";
import type { ShapingOptions, UserState } from "../schemas/user-state.ts";
import { cardImageUrls } from "../workers/cards/images.ts";
import { cardOptions } from "../workers/cards/options.ts";
import type { UserUpdate } from "./coalescer.ts";

/**
 * Which card images a user's update calls for: the very URLs a card of theirs would fetch (the
 * card's own shaping, lanternUser, and its own sizing, cardImageUrls), so what the runner stores
 * under their keys is what the card looks up. Pure: no I/O, no clock that matters.
 *
 * A facet decides its own images, so an update carrying only a presence leaves the avatar alone:
 * the profile gives the avatar and the server tag badge, the presence the activity images and the
 * custom status's emoji. Avatar decorations are not drawn on cards, so they are not fetched.
 */

/** The image URLs per facet a card may draw; absent where the update says nothing of the facet. */
export interface CardImageFacets {
  profile?: string[];
  presence?: string[];
}

const NO_PRESENCE: Presence = { status: "online", client_status: {}, activities: [] };
// Which activity a card shows depends on hideSpotify alone; every other option only hides images.
const VARIANTS = [cardOptions({}), cardOptions({ hideSpotify: true })];

export function cardImagesOf(update: UserUpdate, shaping: ShapingOptions): CardImageFacets {
  const facets: CardImageFacets = {};
  if (update.user) {
    facets.profile = urlsOf(shaping, update.user, NO_PRESENCE, (urls) => [urls.avatar, urls.serverTag]);
  }
  if (update.presence) {
    facets.presence = urlsOf(shaping, null, update.presence, (urls) => [
      urls.activityLarge,
      urls.activitySmall,
      urls.emoji,
    ]);
  }
  return facets;
}

function urlsOf(
  shaping: ShapingOptions,
  profile: DiscordProfile | null,
  presence: Presence,
  pick: (urls: ReturnType<typeof cardImageUrls>) => (string | null)[],
): string[] {
  const state: UserState = {
    user_id: profile?.id ?? "0",
    version: 0,
    profile,
    monitored: true,
    monitoring_since: null,
    presence,
    last_seen_at: null,
  };
  const user = lanternUser(state, {}, shaping, 0);
  const urls = VARIANTS.flatMap((options) => pick(cardImageUrls(user, options, shaping)));
  return [...new Set(urls.filter((url): url is string => url !== null))];
}

/** The URLs `next` names that `previous` did not: what changed, and so what to fetch. */
export function newImages(previous: readonly string[] | undefined, next: readonly string[]): string[] {
  const had = new Set(previous);
  return next.filter((url) => !had.has(url));
}

/** What the runner knows of one user's card images: the latest URLs per facet, and whether they are a member yet. */
export interface KnownImages extends CardImageFacets {
  member: boolean;
}

/**
 * What one update means for the card images of its user, given what was known of them: the images
 * to fetch now, and what to know next (undefined: forget the user). Only monitored users' images
 * are fetched: a user's facets are noted from the first update, but nothing is fetched until an
 * update carries their membership (the router sends it once their guild's member list is whole),
 * and a user who leaves is forgotten. After that an image is fetched only when the URL a card
 * would draw changes (a new avatar hash, another game, a new album), never per event.
 */
export function imagesToSync(
  known: KnownImages | undefined,
  update: UserUpdate,
  shaping: ShapingOptions,
): { known: KnownImages | undefined; fetch: string[] } {
  if (update.membership === null) return { known: undefined, fetch: [] };
  const next: KnownImages = {
    ...known,
    ...cardImagesOf(update, shaping),
    member: (known?.member ?? false) || update.membership !== undefined,
  };
  if (!next.member) return { known: next, fetch: [] };
  // What a member's cards had before: nothing, if they only now became one.
  const had = known?.member ? [...(known.profile ?? []), ...(known.presence ?? [])] : [];
  const fetch = newImages(had, [...(next.profile ?? []), ...(next.presence ?? [])]);
  return { known: next, fetch: [...new Set(fetch)] };
}
