import type { LanternUser } from "../../schemas/lantern.ts";
import { playbackTime } from "./time.ts";

/**
 * The Lantern user with its one clock-dependent field, the Spotify position, recomputed for `now`.
 * The user's object shapes a payload once per change and caches it; the Worker calls this on each
 * read. Only the objects on the path to that field are copied, and a user not listening comes back
 * as the same object.
 */
export function withCurrentTime(lantern: LanternUser, now: number): LanternUser {
  const spotify = lantern.active_platforms.spotify;
  if (!spotify?.start_time) return lantern;
  const start = Date.parse(spotify.start_time.raw);
  const end = spotify.end_time ? Date.parse(spotify.end_time.raw) : null;
  return {
    ...lantern,
    active_platforms: {
      ...lantern.active_platforms,
      spotify: {
        ...spotify,
        time: {
          ...spotify.time,
          current_human_readable: playbackTime(start, end, now).current_human_readable,
        },
      },
    },
  };
}
