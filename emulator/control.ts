import type { APIMessage } from "discord-api-types/v10";
import { type Context, Hono } from "hono";
import { validator } from "hono/validator";
import { z } from "zod";
import type { EmulatorConfig, EmulatorUrls } from "./config.ts";
import type { Gateway } from "./gateway/index.ts";
import { isSendableCloseCode } from "./gateway/protocol.ts";
import { deliverInteraction } from "./interactions.ts";
import { parseEmoji } from "./reactions.ts";
import type { Rest } from "./rest/index.ts";
import type { Simulator } from "./simulator.ts";
import { SNOWFLAKE_PATTERN } from "./snowflake.ts";
import { guildOf, type World, WorldError } from "./world.ts";

/**
 * The control API: how tests, benchmarks and the local demo play the part of Discord's users
 * and of Discord's own misbehaviour (reconnect requests, invalid sessions, dropped ACKs).
 * Every route is documented in emulator/README.md; bad input is a 400 with a JSON error.
 */

export interface ControlDeps {
  world: World;
  config: EmulatorConfig;
  urls: EmulatorUrls;
  gateway: Gateway;
  rest: Rest;
  simulator: Simulator;
}

const snowflake = z.string().regex(SNOWFLAKE_PATTERN, "must be a snowflake (17 to 20 digits)");
const status = z.enum(["online", "idle", "dnd", "offline", "invisible"]);

const userFields = z.strictObject({
  username: z.string().min(2).max(32).optional(),
  global_name: z.string().min(1).max(32).nullable().optional(),
  avatar: z.string().nullable().optional(),
  public_flags: z.int().min(0).optional(),
  bot: z.boolean().optional(),
});

export const ControlSchemas = {
  guild: z.strictObject({
    id: snowflake.optional(),
    name: z.string().min(2).max(100),
    channels: z.array(z.string().min(1).max(100)).max(500).optional(),
  }),
  memberPut: userFields.extend({ joined_at: z.iso.datetime().optional() }),
  memberPatch: z.strictObject({
    nick: z.string().max(32).nullable().optional(),
    roles: z.array(snowflake).optional(),
    user: userFields.omit({ bot: true }).optional(),
  }),
  // The `d` of a PRESENCE_UPDATE. Activities pass through as given: the emulator, like Discord,
  // does not validate their fields, and tests need to send malformed ones.
  presence: z.object({
    user: z.object({ id: snowflake }),
    status,
    activities: z.array(z.record(z.string(), z.unknown())).max(32).optional(),
    client_status: z
      .partialRecord(z.enum(["desktop", "mobile", "web", "embedded", "vr"]), status.exclude(["invisible"]))
      .optional(),
  }),
  application: z.strictObject({
    interactions_endpoint_url: z
      .url({ protocol: /^https?$/ })
      .nullable()
      .optional(),
    flags: z.int().min(0).optional(),
    bot_token_valid: z.boolean().optional(),
  }),
  config: z.strictObject({
    rest_global_per_second: z.int().min(1).max(1_000_000).optional(),
    ignore_resume: z.boolean().optional(),
  }),
  sharedFault: z.strictObject({
    /** "<METHOD> <route template>", checked against the registered routes by the handler. */
    route: z.string().min(1),
    major: z.string().min(1).max(200).optional(),
    seconds: z.number().positive().max(86_400),
  }),
  forbiddenFault: z.strictObject({ channel_id: snowflake }),
  cloudflareBan: z.strictObject({ seconds: z.number().positive().max(86_400) }),
  simulatorStart: z.strictObject({
    users: z.int(),
    rate: z.number(),
    guild_id: snowflake.optional(),
    seed: z.int().optional(),
  }),
  burst: z.strictObject({ count: z.int().min(1).max(1_000_000) }),
  /** A user writes: in a guild channel they are a member of, or, on /users/:id/messages, to the bot in a DM. */
  userMessage: z.strictObject({
    author_id: snowflake,
    content: z.string().min(1).max(2000),
  }),
  directMessage: z.strictObject({ content: z.string().min(1).max(2000) }),
  reaction: z.strictObject({
    user_id: snowflake,
    /** A unicode emoji or `name:id`, as in the REST route's path. */
    emoji: z.string().min(1).max(100),
  }),
  role: z.strictObject({ name: z.string().min(1).max(100), color: z.int().min(0).max(0xffffff).optional() }),
  interaction: z.strictObject({
    user_id: snowflake,
    guild_id: snowflake.optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    type: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    message: z.record(z.string(), z.unknown()).optional(),
    acknowledge_on_answer: z.boolean().optional(),
  }),
  closeCode: z.coerce
    .number()
    .int()
    .min(1000)
    .max(4999)
    // Only some codes may travel in a close frame (RFC 6455 §7.4): not 1004-1006, 1015, or 1016-2999.
    .refine(isSendableCloseCode, "cannot be sent in a close frame"),
  resumable: z.enum(["true", "false"]),
  shardId: z.coerce.number().int().min(0).max(65_535),
};

/** What a test or a reader of the state wants of a message: who sent what, without the payload's bulk. */
function messageSummary(m: APIMessage) {
  return {
    id: m.id,
    author_id: m.author.id,
    content: m.content,
    embeds: m.embeds.length,
    nonce: m.nonce ?? null,
    timestamp: m.timestamp,
  };
}

/** Whether a user may write or react in a channel: a member of its guild, or the DM's recipient. */
function takesPart(world: World, channelId: string, userId: string): boolean {
  const { channel } = world.requireChannel(channelId);
  if ("recipients" in channel && channel.recipients?.some((user) => user.id === userId)) return true;
  const guildId = guildOf(channel);
  return guildId !== null && world.requireGuild(guildId).members.has(userId);
}

function notTakingPart(c: Context, userId: string, channelId: string) {
  return c.json(
    {
      error: `user ${userId} cannot write or react in channel ${channelId}: not a member of its guild nor its DM's recipient`,
    },
    403,
  );
}

function badRequest(c: Context, where: string, error: z.ZodError) {
  const first = error.issues[0];
  const path = first?.path.length ? `${where}.${first.path.join(".")}` : where;
  return c.json({ error: `${path}: ${first?.message ?? "invalid"}`, issues: error.issues }, 400);
}

/** A JSON body validated by a zod schema; an empty body counts as {}. */
function json<T extends z.ZodType>(schema: T) {
  return validator("json", (value, c) => {
    const parsed = schema.safeParse(value ?? {});
    return parsed.success ? (parsed.data as z.output<T>) : badRequest(c, "body", parsed.error);
  });
}

function param<N extends string, T extends z.ZodType>(name: N, schema: T) {
  return validator("param", (value, c) => {
    const parsed = schema.safeParse(value[name]);
    return parsed.success
      ? ({ [name]: parsed.data } as Record<N, z.output<T>>)
      : badRequest(c, name, parsed.error);
  });
}

const guildMember = validator("param", (value, c) => {
  const parsed = z.object({ guild_id: snowflake, user_id: snowflake }).safeParse(value);
  return parsed.success ? parsed.data : badRequest(c, "path", parsed.error);
});

export function controlRoutes({ world, config, urls, gateway, rest, simulator }: ControlDeps): Hono {
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof WorldError)
      return c.json({ error: error.message, code: error.code }, error.status as 404);
    // Hono's JSON validator throws a 400 HTTPException for a body that is not JSON; the simulator and
    // interaction delivery throw errors carrying the status that fits their failure.
    const status = "status" in error && typeof error.status === "number" ? error.status : 500;
    if (status >= 400 && status < 600 && status !== 500)
      return c.json({ error: error.message }, status as 400);
    console.error(error);
    return c.json({ error: "internal emulator error" }, 500);
  });

  app.get("/state", (c) =>
    c.json({
      bot_token: world.application.botToken,
      application_id: world.application.id,
      public_key: world.application.publicKey,
      interactions_endpoint_url: world.application.interactionsEndpointUrl,
      bot_token_valid: world.application.botTokenValid,
      gateway_url: urls.gateway,
      api_url: urls.api,
      cdn_url: urls.cdn,
      guilds: [...world.guilds.values()].map((guild) => ({
        id: guild.id,
        name: guild.name,
        channels: guild.channelIds,
        members: [...guild.members.keys()].map((id) => {
          const member = world.memberPayload(guild, id);
          const { id: userId, username, global_name, avatar, bot, public_flags } = member.user;
          return {
            user: { id: userId, username, global_name, avatar, bot, public_flags },
            joined_at: member.joined_at,
          };
        }),
        presences: [...guild.presences.keys()].map((id) => world.presencePayload(guild, id)),
      })),
      dm_channels: world.dmChannels().map(({ recipientId, channel }) => ({
        id: channel.channel.id,
        recipient_id: recipientId,
        messages: channel.messages.map(messageSummary),
      })),
      shards: gateway.shards(),
      simulator: simulator.status(),
      counters: { gateway: gateway.counters(), rest: rest.counters() },
    }),
  );

  app.patch("/application", json(ControlSchemas.application), (c) => {
    const body = c.req.valid("json");
    if (body.interactions_endpoint_url !== undefined)
      world.application.interactionsEndpointUrl = body.interactions_endpoint_url;
    if (body.flags !== undefined) world.application.flags = body.flags;
    if (body.bot_token_valid !== undefined) world.application.botTokenValid = body.bot_token_valid;
    return c.json({
      id: world.application.id,
      flags: world.application.flags,
      interactions_endpoint_url: world.application.interactionsEndpointUrl,
      bot_token_valid: world.application.botTokenValid,
    });
  });

  // Live knobs, read on every request, so a benchmark can change them between runs.
  app.patch("/config", json(ControlSchemas.config), (c) => {
    const body = c.req.valid("json");
    if (body.rest_global_per_second !== undefined) config.restGlobalPerSecond = body.rest_global_per_second;
    if (body.ignore_resume !== undefined) config.ignoreResume = body.ignore_resume;
    return c.json({ rest_global_per_second: config.restGlobalPerSecond, ignore_resume: config.ignoreResume });
  });

  app.post("/rest/reset", (c) => {
    rest.reset();
    return c.body(null, 204);
  });

  app.get("/rest/faults", (c) => c.json(rest.faults.list()));
  app.delete("/rest/faults", (c) => {
    rest.faults.clear();
    return c.body(null, 204);
  });
  app.post("/rest/faults/shared", json(ControlSchemas.sharedFault), (c) => {
    const { route, major, seconds } = c.req.valid("json");
    const known = rest.routes().map((r) => r.key);
    if (!known.includes(route)) {
      return c.json(
        { error: `body.route: ${JSON.stringify(route)} is not a registered route`, routes: known },
        400,
      );
    }
    rest.faults.addShared(route, major, seconds);
    return c.json(rest.faults.list(), 201);
  });
  app.post("/rest/faults/forbidden", json(ControlSchemas.forbiddenFault), (c) => {
    rest.faults.forbid(c.req.valid("json").channel_id);
    return c.json(rest.faults.list(), 201);
  });
  app.post("/rest/faults/cloudflare-ban", json(ControlSchemas.cloudflareBan), (c) => {
    rest.faults.banCloudflare(c.req.valid("json").seconds);
    return c.json(rest.faults.list(), 201);
  });

  app.get("/channels/:channel_id/messages", param("channel_id", snowflake), (c) => {
    const { channel_id } = c.req.valid("param");
    return c.json({ channel_id, messages: world.requireChannel(channel_id).messages.map(messageSummary) });
  });

  // A user's message, which the bot hears as Discord would send it (MESSAGE_CREATE under
  // GUILD_MESSAGES, its content only under MESSAGE_CONTENT).
  app.post(
    "/channels/:channel_id/messages",
    param("channel_id", snowflake),
    json(ControlSchemas.userMessage),
    (c) => {
      const { channel_id } = c.req.valid("param");
      const { author_id, content } = c.req.valid("json");
      const author = world.requireUser(author_id);
      if (!takesPart(world, channel_id, author_id)) return notTakingPart(c, author_id, channel_id);
      return c.json(world.createMessage(channel_id, author, content), 201);
    },
  );

  // A user reacts (PUT) or takes their reaction back (DELETE): MESSAGE_REACTION_ADD or _REMOVE
  // under GUILD_MESSAGE_REACTIONS (DIRECT_MESSAGE_REACTIONS in a DM); 204 either way.
  for (const [method, on] of [
    ["put", true],
    ["delete", false],
  ] as const) {
    app[method](
      "/channels/:channel_id/messages/:message_id/reactions",
      param("channel_id", snowflake),
      json(ControlSchemas.reaction),
      (c) => {
        const { channel_id } = c.req.valid("param");
        const { user_id, emoji } = c.req.valid("json");
        const parsed = parseEmoji(emoji);
        if (!parsed)
          return c.json(
            { error: `emoji: ${JSON.stringify(emoji)} is no emoji (a unicode one or name:id)` },
            400,
          );
        world.requireUser(user_id);
        if (!takesPart(world, channel_id, user_id)) return notTakingPart(c, user_id, channel_id);
        world.react(channel_id, c.req.param("message_id"), parsed, user_id, on);
        return c.body(null, 204);
      },
    );
  }

  // The user writes to the bot in their DM (opened if need be): MESSAGE_CREATE under DIRECT_MESSAGES.
  app.post(
    "/users/:user_id/messages",
    param("user_id", snowflake),
    json(ControlSchemas.directMessage),
    (c) => {
      const { user_id } = c.req.valid("param");
      const author = world.requireUser(user_id);
      const dm = world.openDm(user_id);
      return c.json(world.createMessage(dm.id, author, c.req.valid("json").content), 201);
    },
  );

  // What the bot did (sent, edited, deleted, reacted), oldest first; ?after=<seq> for what is new.
  app.get("/bot/actions", (c) => {
    const after = Number(c.req.query("after") ?? 0);
    if (!Number.isSafeInteger(after) || after < 0)
      return c.json({ error: "after: must be a non-negative integer (a seq from an earlier answer)" }, 400);
    return c.json(world.botActions.after(after));
  });

  app.post("/guilds/:guild_id/roles", param("guild_id", snowflake), json(ControlSchemas.role), (c) =>
    c.json(world.createRole(c.req.valid("param").guild_id, c.req.valid("json")), 201),
  );

  app.post("/guilds", json(ControlSchemas.guild), (c) => {
    const body = c.req.valid("json");
    if (body.id && world.guilds.has(body.id))
      return c.json({ error: `guild ${body.id} already exists` }, 409);
    const guild = world.createGuild({ id: body.id, name: body.name, channelNames: body.channels });
    return c.json({ id: guild.id, name: guild.name, channels: guild.channelIds }, 201);
  });

  app.put("/guilds/:guild_id/members/:user_id", guildMember, json(ControlSchemas.memberPut), (c) => {
    const { guild_id, user_id } = c.req.valid("param");
    const { joined_at, ...fields } = c.req.valid("json");
    const guild = world.requireGuild(guild_id);
    if (!world.users.has(user_id)) {
      world.createUser({ username: `user${user_id.slice(-6)}`, ...fields, id: user_id });
    } else if (Object.keys(fields).length > 0) {
      world.updateUser(user_id, fields);
    }
    const added = world.addMember(guild_id, user_id, joined_at ? new Date(joined_at) : new Date());
    return c.json(world.memberPayload(guild, user_id), added ? 201 : 200);
  });

  app.patch("/guilds/:guild_id/members/:user_id", guildMember, json(ControlSchemas.memberPatch), (c) => {
    const { guild_id, user_id } = c.req.valid("param");
    return c.json(world.updateMember(guild_id, user_id, c.req.valid("json")));
  });

  app.delete("/guilds/:guild_id/members/:user_id", guildMember, (c) => {
    const { guild_id, user_id } = c.req.valid("param");
    world.removeMember(guild_id, user_id);
    return c.body(null, 204);
  });

  app.post(
    "/guilds/:guild_id/presences",
    param("guild_id", snowflake),
    json(ControlSchemas.presence),
    (c) => {
      const { guild_id } = c.req.valid("param");
      const { user, status, activities, client_status } = c.req.valid("json");
      const presence = world.setPresence(guild_id, {
        user,
        // Invisible users are shown to everyone else as offline.
        status: status === "invisible" ? "offline" : status,
        activities: activities as never,
        client_status,
      });
      return c.json(presence);
    },
  );

  const shardAction = (act: (shardId: number, c: Context) => number | Response) =>
    [
      param("id", ControlSchemas.shardId),
      (c: Context) => {
        const shardId = Number(c.req.param("id"));
        const affected = act(shardId, c);
        if (affected instanceof Response) return affected;
        if (affected === 0) return c.json({ error: `no live connection for shard ${shardId}` }, 404);
        return c.json({ shard_id: shardId, affected });
      },
    ] as const;

  app.post("/shards/:id/reconnect", ...shardAction((id) => gateway.reconnect(id)));
  app.post("/shards/:id/drop-acks", ...shardAction((id) => gateway.dropAcks(id)));
  app.post(
    "/shards/:id/invalidate",
    ...shardAction((id, c) => {
      const parsed = ControlSchemas.resumable.safeParse(c.req.query("resumable") ?? "false");
      if (!parsed.success) return badRequest(c, "resumable", parsed.error);
      return gateway.invalidate(id, parsed.data === "true");
    }),
  );
  app.post(
    "/shards/:id/close",
    ...shardAction((id, c) => {
      const parsed = ControlSchemas.closeCode.safeParse(c.req.query("code") ?? "4000");
      if (!parsed.success) return badRequest(c, "code", parsed.error);
      return gateway.close(id, parsed.data);
    }),
  );

  app.get("/simulator", (c) => c.json(simulator.status()));
  app.post("/simulator", json(ControlSchemas.simulatorStart), (c) => {
    const { users, rate, guild_id, seed } = c.req.valid("json");
    return c.json(simulator.start({ users, rate, guildId: guild_id, seed }));
  });
  app.delete("/simulator", (c) => c.json(simulator.stop()));
  app.post("/simulator/burst", json(ControlSchemas.burst), async (c) => {
    const { count } = c.req.valid("json");
    await simulator.burst(count);
    return c.json(simulator.status());
  });

  app.post("/interactions", json(ControlSchemas.interaction), async (c) => {
    const { acknowledge_on_answer, ...request } = c.req.valid("json");
    const result = await deliverInteraction(world, request, { acknowledgeOnAnswer: acknowledge_on_answer });
    return c.json(result);
  });

  // A catch-all route, because a mounted sub-app's notFound handler is never consulted.
  app.all("*", (c) => c.json({ error: `no control route ${c.req.method} ${c.req.path}` }, 404));

  return app;
}
