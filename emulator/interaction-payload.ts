import { randomBytes } from "node:crypto";
import {
  type APIMessage,
  type APIUser,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ButtonStyle,
  ComponentType,
  InteractionContextType,
  InteractionType,
  PermissionFlagsBits,
  type UserFlags,
} from "discord-api-types/v10";
import { type EmulatedGuild, messagePayload, type World } from "./world.ts";

/**
 * The interaction object Discord POSTs to an application's interactions endpoint, built from the
 * world (developers/interactions/receiving-and-responding, "Interaction Object"). Pure apart from
 * minting ids and, for a DM, opening the DM channel as Discord would.
 */

export interface InteractionRequest {
  /** The invoking user. Ignored for PING, which Discord sends as its system user. */
  user_id: string;
  /** Invoked in this guild (the user must be a member); absent means in a DM with the bot. */
  guild_id?: string;
  /** Where to POST; defaults to the application's interactions endpoint URL. */
  url?: string;
  /** 1 PING, 2 APPLICATION_COMMAND (default), 3 MESSAGE_COMPONENT. */
  type?: number;
  /** Type 2: `{name, options?, ...}`; type 3: `{custom_id, component_type?, values?}`. */
  data?: unknown;
  /** Type 3: fields of the message the component is on, laid over a default bot message. */
  message?: unknown;
}

/** A JSON object in the shape Discord sends; its fields are documented where they are set. */
export type InteractionPayload = Record<string, unknown>;

/** Thrown for requests Discord could never send; `status` is the HTTP status the control API answers. */
export class InteractionError extends Error {
  readonly status: 400 | 404 | 502 | 504;
  constructor(status: 400 | 404 | 502 | 504, message: string) {
    super(message);
    this.status = status;
  }
}

const SUPPORTED_TYPES = [
  InteractionType.Ping,
  InteractionType.ApplicationCommand,
  InteractionType.MessageComponent,
];
const LOCALE = "en-US";
/** The docs' default upload limit (developers/reference, "Uploading Files"): 20 MiB. */
const ATTACHMENT_SIZE_LIMIT = 20 * 1024 * 1024;
const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);
// app_permissions outside a guild: what the docs list for DMs with the app's bot user.
const DM_APP_PERMISSIONS =
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.MentionEveryone |
  PermissionFlagsBits.UseExternalEmojis;
// A PING has no channel; Discord's carry the DM set without external emojis ("180224").
const PING_APP_PERMISSIONS =
  PermissionFlagsBits.AttachFiles | PermissionFlagsBits.EmbedLinks | PermissionFlagsBits.MentionEveryone;

/** Discord's system user, the `user` of every PING Discord sends. */
export const DISCORD_SYSTEM_USER: APIUser = {
  id: "643945264868098049",
  username: "discord",
  discriminator: "0000",
  global_name: "Discord",
  avatar: "c6a249645d46209f337279cd2ca998c7",
  avatar_decoration_data: null,
  bot: true,
  system: true,
  public_flags: 1 as UserFlags,
};

export function buildInteraction(world: World, request: InteractionRequest): InteractionPayload {
  const type = request.type ?? InteractionType.ApplicationCommand;
  if (!SUPPORTED_TYPES.includes(type))
    throw new InteractionError(
      400,
      `type must be 1 (PING), 2 (APPLICATION_COMMAND) or 3 (MESSAGE_COMPONENT), got ${type}`,
    );
  const id = world.ids.next();
  const common = {
    id,
    application_id: world.application.id,
    type,
    token: interactionToken(id),
    version: 1,
    entitlements: [],
  };
  if (type === InteractionType.Ping) {
    return { ...common, app_permissions: String(PING_APP_PERMISSIONS), user: DISCORD_SYSTEM_USER };
  }

  const user = world.requireUser(request.user_id);
  const place = request.guild_id ? inGuild(world, request.guild_id, user.id) : inDm(world, user.id);
  const data =
    type === InteractionType.ApplicationCommand
      ? commandData(world, request.data, request.guild_id)
      : componentData(request.data);
  return {
    ...common,
    ...place.fields,
    data,
    ...(type === InteractionType.MessageComponent
      ? { message: componentMessage(world, place.channelId, data.custom_id as string, request.message) }
      : {}),
    locale: LOCALE,
    attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
  };
}

interface Place {
  channelId: string;
  fields: InteractionPayload;
}

function inGuild(world: World, guildId: string, userId: string): Place {
  const guild = world.requireGuild(guildId);
  const member = world.memberPayload(guild, userId); // 404 Unknown Member when not one
  const channelId = guild.channelIds[0];
  if (!channelId)
    throw new InteractionError(400, `guild ${guildId} has no channel to invoke the interaction in`);
  const permissions = permissionsIn(guild, userId);
  return {
    channelId,
    fields: {
      guild_id: guild.id,
      guild: { id: guild.id, locale: LOCALE, features: [] },
      guild_locale: LOCALE,
      channel_id: channelId,
      channel: { ...world.requireChannel(channelId).channel, permissions },
      member: { ...member, permissions },
      app_permissions: permissionsIn(guild, world.application.id),
      context: InteractionContextType.Guild,
      authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: guild.id },
    },
  };
}

function inDm(world: World, userId: string): Place {
  const channel = world.openDm(userId);
  return {
    channelId: channel.id,
    fields: {
      channel_id: channel.id,
      channel,
      user: world.requireUser(userId),
      app_permissions: String(DM_APP_PERMISSIONS),
      context: InteractionContextType.BotDM,
      // "0" stands for a DM with the app's bot user under a guild install.
      authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: "0" },
    },
  };
}

/** The guild owner and administrators have every permission; others the union of their roles'. */
function permissionsIn(guild: EmulatedGuild, userId: string): string {
  if (guild.ownerId === userId) return String(ALL_PERMISSIONS);
  const roleIds = new Set([guild.id, ...(guild.members.get(userId)?.roles ?? [])]); // @everyone's id is the guild's
  let permissions = 0n;
  for (const role of guild.roles) if (roleIds.has(role.id)) permissions |= BigInt(role.permissions);
  return String(permissions & PermissionFlagsBits.Administrator ? ALL_PERMISSIONS : permissions);
}

/** Command data; a registered command of that name lends its id and type, as Discord's would. */
function commandData(world: World, given: unknown, guildId: string | undefined): InteractionPayload {
  const data = requireObject(given, "data");
  if (typeof data.name !== "string" || !/^.{1,32}$/u.test(data.name))
    throw new InteractionError(400, "data.name: an application command needs a name of 1 to 32 characters");
  if (data.options !== undefined && !Array.isArray(data.options))
    throw new InteractionError(400, "data.options: must be an array of options");
  const guildCommand = guildId
    ? world.application.guildCommands.get(guildId)?.find((command) => command.name === data.name)
    : undefined;
  const registered =
    guildCommand ?? world.application.globalCommands.find((command) => command.name === data.name);
  return {
    id: registered?.id ?? world.ids.next(),
    type: registered?.type ?? ApplicationCommandType.ChatInput,
    ...(guildCommand ? { guild_id: guildId } : {}),
    ...data,
  };
}

function componentData(given: unknown): InteractionPayload {
  const data = requireObject(given, "data");
  if (typeof data.custom_id !== "string" || data.custom_id.length < 1 || data.custom_id.length > 100)
    throw new InteractionError(
      400,
      "data.custom_id: a component interaction needs a custom_id of 1 to 100 characters",
    );
  return { component_type: ComponentType.Button, ...data };
}

/** The bot message a component lives on: a button with that custom_id, unless the caller says otherwise. */
function componentMessage(
  world: World,
  channelId: string,
  customId: string,
  given: unknown,
): InteractionPayload {
  const fields = given === undefined ? {} : requireObject(given, "message");
  return {
    ...messagePayload(world.ids.next(), channelId, world.application.bot, "", {
      flags: 0,
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            { type: ComponentType.Button, style: ButtonStyle.Primary, label: customId, custom_id: customId },
          ],
        },
      ],
    } as unknown as Partial<APIMessage>),
    ...fields,
  };
}

function requireObject(value: unknown, where: string): InteractionPayload {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new InteractionError(400, `${where}: must be a JSON object`);
  return value as InteractionPayload;
}

/** Opaque like Discord's: base64 of "interaction:<id>:<random>", so it starts "aW50ZXJhY3Rpb246". */
function interactionToken(id: string): string {
  return Buffer.from(`interaction:${id}:${randomBytes(48).toString("base64url")}`).toString("base64url");
}
