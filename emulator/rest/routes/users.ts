import { BUCKETS } from "../buckets.ts";
import { RestErrors } from "../errors.ts";
import { bodyObject, FormErrors, limitQuery, snowflakeField } from "../form.ts";
import { CURRENT_USER, type DefineRoute, type RestDeps, readJson, userIdParam } from "../routing.ts";
import { guildCounts, withCounts } from "./guilds.ts";

/** The emulator does not model permissions: the bot may do everything (Administrator's bits). */
const ALL_PERMISSIONS = "2251799813685247";

/** GET /users/@me/guilds's paging: limit 1 to 200 (200 by default), before and after an id. */
function guildsQuery(query: Record<string, string>): { limit: number; before?: bigint; after?: bigint } {
  const errors = new FormErrors();
  const limit = limitQuery(errors, query.limit, 200, 200);
  const id = (name: "before" | "after") => {
    const value = snowflakeField(errors, [name], query[name]);
    return value === undefined ? undefined : BigInt(value);
  };
  const result = { limit, before: id("before"), after: id("after") };
  errors.throwIfAny();
  return result;
}

export function userRoutes(route: DefineRoute, { world }: RestDeps): void {
  // GET /users/@me and GET /users/:id are one route: "@me" is read as the bot's id.
  route("GET", "/users/:user_id", BUCKETS.users, (c) => c.json(world.requireUser(userIdParam(world, c))));

  // The bot's guilds (every guild of the world, as READY lists them) as partial guilds, ordered by
  // id; before, after and limit (1 to 200) page them.
  route("GET", "/users/:user_id/guilds", BUCKETS.currentUserGuilds, (c) => {
    if (c.req.param("user_id") !== CURRENT_USER) throw RestErrors.notFound();
    const botId = world.application.bot.id;
    const counts = withCounts(c.req.query("with_counts"));
    const { limit, before, after } = guildsQuery(c.req.query());
    const mine = [...world.guilds.values()]
      .filter(
        (guild) =>
          (before === undefined || BigInt(guild.id) < before) &&
          (after === undefined || BigInt(guild.id) > after),
      )
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))
      .slice(0, limit);
    return c.json(
      mine.map((guild) => ({
        id: guild.id,
        name: guild.name,
        icon: guild.icon,
        banner: null,
        owner: guild.ownerId === botId,
        permissions: ALL_PERMISSIONS,
        features: [],
        ...(counts ? guildCounts(guild) : {}),
      })),
    );
  });

  route("POST", "/users/:user_id/channels", BUCKETS.openDm, async (c) => {
    // Only the current user has DM channels to open: /users/@me/channels.
    if (c.req.param("user_id") !== CURRENT_USER) throw RestErrors.notFound();
    const body = bodyObject(await readJson(c));
    const errors = new FormErrors();
    const recipientId = snowflakeField(errors, ["recipient_id"], body.recipient_id, { required: true });
    errors.throwIfAny();
    return c.json(world.openDm(recipientId!));
  });
}
