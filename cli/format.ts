import type { GuildChannel, LanternActivity, LanternUser } from "../client/index.ts";

/** How the CLI prints what it got: one line a thing, for people and for grep alike. */

const ACTIVITY_VERBS: Record<number, string> = {
  0: "Playing",
  1: "Streaming",
  2: "Listening to",
  3: "Watching",
  5: "Competing in",
};

/** "Ada (ada)", or the username alone when there is no other name. */
export function userName(user: LanternUser): string {
  const { global_name, username } = user.metadata;
  return global_name && global_name !== username ? `${global_name} (${username})` : username;
}

function platforms(user: LanternUser): string {
  const on = (["desktop", "mobile", "web", "embedded", "vr"] as const).filter(
    (platform) => user.active_platforms[platform] !== "offline",
  );
  return on.length > 0 ? ` on ${on.join(", ")}` : "";
}

function activityText(activity: LanternActivity): string {
  const verb = ACTIVITY_VERBS[activity.type] ?? "Doing";
  const more = [activity.details, activity.state].filter(Boolean).join(", ");
  return `${verb} ${activity.name}${more ? ` (${more})` : ""}`;
}

/**
 * "Ada (ada): online on desktop · "cozy" · Playing Celeste (Chapter 7) · Spotify: Let Go — Ark
 * Patrol, Veronika Redd": the status, the custom status, the first activity other than Spotify,
 * and Spotify's song and artists.
 */
export function presenceLine(user: LanternUser): string {
  const parts = [`${user.status}${platforms(user)}`];
  for (const activity of user.activities) {
    if (activity.type === 4 && "text" in activity) {
      const custom = [activity.emoji?.name, activity.text].filter(Boolean).join(" ");
      if (custom) parts.push(`"${custom}"`);
    }
  }
  const spotify = user.active_platforms.spotify;
  const other = user.activities.find(
    (activity): activity is LanternActivity =>
      activity.type !== 4 && !(spotify && activity.name === "Spotify"),
  );
  if (other) parts.push(activityText(other));
  if (spotify?.song) {
    const artist = Array.isArray(spotify.artist) ? spotify.artist.join(", ") : spotify.artist;
    parts.push(`Spotify: ${spotify.song}${artist ? ` — ${artist}` : ""}`);
  }
  if (user.status === "offline" && user.last_seen_at) parts.push(`last seen ${user.last_seen_at.raw}`);
  return `${userName(user)}: ${parts.join(" · ")}`;
}

const CHANNEL_TYPES: Record<number, string> = {
  0: "text",
  2: "voice",
  4: "category",
  5: "announcement",
  13: "stage",
  15: "forum",
  16: "media",
};

/**
 * One line a channel, tab-separated (id, type, name, category), categories first and each
 * channel under its category in Discord's order.
 */
export function channelLines(channels: readonly GuildChannel[]): string[] {
  const byPosition = [...channels].sort((a, b) => a.position - b.position || a.id.localeCompare(b.id));
  const names = new Map(channels.map((channel) => [channel.id, channel.name]));
  const categories = byPosition.filter((channel) => channel.type === 4);
  const rank = (channel: GuildChannel) => {
    const category = channel.type === 4 ? channel.id : channel.parent_id;
    return category === null ? -1 : categories.findIndex((c) => c.id === category);
  };
  const ordered = byPosition
    .map((channel, index) => ({ channel, index }))
    .sort(
      (a, b) =>
        rank(a.channel) - rank(b.channel) ||
        Number(b.channel.type === 4) - Number(a.channel.type === 4) ||
        a.index - b.index,
    )
    .map(({ channel }) => channel);
  return ordered.map((channel) => {
    const type = CHANNEL_TYPES[channel.type] ?? `type ${channel.type}`;
    const parent = channel.parent_id ? (names.get(channel.parent_id) ?? channel.parent_id) : "-";
    return [channel.id, type, channel.name, parent].join("\t");
  });
}

/** "20:41:07": the local time a watched change arrived. */
export function clock(date = new Date()): string {
  return date.toTimeString().slice(0, 8);
}
