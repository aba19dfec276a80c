import { guildProfile } from "../../gateway/payloads.ts";
import type { EmulatedGuild } from "../../world.ts";
import { BUCKETS } from "../buckets.ts";
import { type DefineRoute, type RestDeps, userIdParam } from "../routing.ts";

/** with_counts: the approximate member and presence (not offline) counts Discord adds. */
export function guildCounts(guild: EmulatedGuild) {
  const online = [...guild.presences.values()].filter((p) => p.status !== "offline").length;
  return { approximate_member_count: guild.members.size, approximate_presence_count: online };
}

export const withCounts = (value: string | undefined) => value === "true" || value === "1";

export function guildRoutes(route: DefineRoute, { world }: RestDeps): void {
  route("GET", "/guilds/:guild_id", BUCKETS.guild, (c) => {
    // The bot is in every guild of the world, as READY lists them all.
    const guild = world.requireGuild(c.req.param("guild_id")!);
    return c.json({
      ...guildProfile(guild),
      ...(withCounts(c.req.query("with_counts")) ? guildCounts(guild) : {}),
    });
  });

  route("GET", "/guilds/:guild_id/channels", BUCKETS.guildChannels, (c) => {
    const guild = world.requireGuild(c.req.param("guild_id")!);
    return c.json(guild.channelIds.map((id) => world.requireChannel(id).channel));
  });

  route("GET", "/guilds/:guild_id/roles", BUCKETS.guildRoles, (c) =>
    c.json(world.requireGuild(c.req.param("guild_id")!).roles),
  );

  // discord.js's member.roles.add() and remove(): 204 whether or not the member had the role.
  const memberRole = "/guilds/:guild_id/members/:user_id/roles/:role_id";
  for (const [method, has] of [
    ["PUT", true],
    ["DELETE", false],
  ] as const) {
    route(method, memberRole, BUCKETS.memberRoles, (c) => {
      world.setMemberRole(c.req.param("guild_id")!, userIdParam(world, c), c.req.param("role_id")!, has);
      return c.body(null, 204);
    });
  }

  route("GET", "/guilds/:guild_id/members/:user_id", BUCKETS.guildMember, (c) => {
    const guild = world.requireGuild(c.req.param("guild_id")!);
    return c.json(world.memberPayload(guild, userIdParam(world, c)));
  });
}
