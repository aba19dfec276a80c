import { BUCKETS } from "../buckets.ts";
import { type DefineRoute, type RestDeps, userIdParam } from "../routing.ts";

export function guildRoutes(route: DefineRoute, { world }: RestDeps): void {
  route("GET", "/guilds/:guild_id/channels", BUCKETS.guildChannels, (c) => {
    const guild = world.requireGuild(c.req.param("guild_id")!);
    return c.json(guild.channelIds.map((id) => world.requireChannel(id).channel));
  });

  route("GET", "/guilds/:guild_id/members/:user_id", BUCKETS.guildMember, (c) => {
    const guild = world.requireGuild(c.req.param("guild_id")!);
    return c.json(world.memberPayload(guild, userIdParam(world, c)));
  });
}
