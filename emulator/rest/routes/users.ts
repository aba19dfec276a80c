import { BUCKETS } from "../buckets.ts";
import { RestErrors } from "../errors.ts";
import { bodyObject, FormErrors, snowflakeField } from "../form.ts";
import { CURRENT_USER, type DefineRoute, type RestDeps, readJson, userIdParam } from "../routing.ts";

export function userRoutes(route: DefineRoute, { world }: RestDeps): void {
  // GET /users/@me and GET /users/:id are one route: "@me" is read as the bot's id.
  route("GET", "/users/:user_id", BUCKETS.users, (c) => c.json(world.requireUser(userIdParam(world, c))));

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
