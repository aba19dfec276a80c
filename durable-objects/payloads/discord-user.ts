import type { APIUser } from "discord-api-types/v10";
import type { DiscordProfile } from "../../schemas/ingest.ts";

/**
 * A monitored user as Discord's GET /users/:id shapes them, from the profile the gateway keeps
 * current: what the REST proxy answers instead of asking Discord (PROXY_GATEWAY_USERS). Only the
 * fields the gateway carries are given; banner and accent colour, which it does not, are left out
 * rather than guessed (README, "REST proxy").
 */
export function discordUser(profile: DiscordProfile): APIUser {
  const user: APIUser = {
    id: profile.id,
    username: profile.username,
    discriminator: profile.discriminator,
    global_name: profile.global_name,
    avatar: profile.avatar,
    public_flags: profile.public_flags,
    avatar_decoration_data: profile.avatar_decoration_data
      ? { asset: profile.avatar_decoration_data.asset, sku_id: profile.avatar_decoration_data.sku_id ?? "" }
      : null,
  };
  if (profile.bot) user.bot = true;
  if (profile.primary_guild)
    (user as APIUser & { primary_guild: unknown }).primary_guild = profile.primary_guild;
  return user;
}
