import { BUCKETS } from "../buckets.ts";
import { parseMessageCreate } from "../messages.ts";
import { type DefineRoute, type RestDeps, readJson } from "../routing.ts";

export function channelRoutes(route: DefineRoute, { world }: RestDeps): void {
  route("POST", "/channels/:channel_id/messages", BUCKETS.createMessage, async (c) => {
    const channelId = c.req.param("channel_id")!;
    // The channel is looked up first, so a bad body sent to a missing channel answers 10003.
    world.requireChannel(channelId);
    const { content, ...extra } = parseMessageCreate(await readJson(c));
    return c.json(
      world.createMessage(channelId, world.requireUser(world.application.bot.id), content, extra),
    );
  });
}
