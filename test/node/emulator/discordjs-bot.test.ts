import { Client, Events, GatewayIntentBits, type Message, Partials } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSeededWorld, SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";

/**
 * The emulator as a bot's test bed: an unmodified discord.js Client logs in and makes the everyday
 * calls of a bot, and messages that users write (through the control API) reach it as Discord
 * sends them, content and all only with MESSAGE_CONTENT.
 */

const WAIT_MS = 10_000;

let emulator: Emulator;
const clients: Client[] = [];

async function loggedIn(intents: number[]): Promise<Client> {
  const client = new Client({
    intents,
    // A DM channel is not cached until its first message: discord.js needs the partial to emit it.
    partials: [Partials.Channel],
    rest: { api: emulator.urls.api, cdn: emulator.urls.cdn },
  });
  clients.push(client);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(emulator.world.application.botToken);
  await ready;
  return client;
}

/** A call to the emulator's control API, as a test drives it. */
function control(path: string, body: unknown, method = "POST"): Promise<Response> {
  return fetch(`${emulator.urls.control}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** A user writes in a channel. */
const userWrites = (channelId: string, authorId: string, content: string) =>
  control(`/channels/${channelId}/messages`, { author_id: authorId, content });

function nextMessage(client: Client, match: (message: Message) => boolean): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching message in ${WAIT_MS} ms`)), WAIT_MS);
    const listener = (message: Message) => {
      if (!match(message)) return;
      clearTimeout(timer);
      client.off(Events.MessageCreate, listener);
      resolve(message);
    };
    client.on(Events.MessageCreate, listener);
  });
}

const general = () => emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
const ada = SEED_MEMBERS[0]!;

beforeAll(async () => {
  // Each test logs in anew, one just after the other: Discord's 5 s between IDENTIFYs would send
  // each an INVALID_SESSION and discord.js's 5 s wait.
  emulator = await startEmulator({ port: 0, world: createSeededWorld(), identifyIntervalMs: 1 });
});

afterAll(async () => {
  for (const client of clients) await client.destroy();
  await emulator?.close();
});

describe("a discord.js bot against the emulator", () => {
  it("fetches its guilds and a guild with counts", async () => {
    const client = await loggedIn([GatewayIntentBits.Guilds]);
    const guilds = await client.guilds.fetch();
    expect([...guilds.keys()]).toEqual([SEED.guildId]);
    const guild = await client.guilds.fetch({ guild: SEED.guildId, force: true, withCounts: true });
    expect(guild.name).toBe("Porchlight Lounge");
    expect(guild.approximateMemberCount).toBe(emulator.world.requireGuild(SEED.guildId).members.size);
  });

  it("reads a channel and its messages, sends, edits and deletes its own", async () => {
    const client = await loggedIn([GatewayIntentBits.Guilds]);
    const channel = await client.channels.fetch(general(), { force: true });
    if (!channel?.isSendable()) throw new Error("general is not a text channel");
    const sent = await channel.send("first");
    const edited = await sent.edit("first, edited");
    expect(edited.content).toBe("first, edited");
    expect(edited.editedTimestamp).not.toBeNull();
    const fetched = await channel.messages.fetch({ limit: 10 });
    expect(fetched.get(sent.id)?.content).toBe("first, edited");
    await sent.delete();
    await expect(channel.messages.fetch({ message: sent.id, force: true })).rejects.toThrow(
      /Unknown Message/,
    );
  });

  it("hears what a user writes, with its content only under MESSAGE_CONTENT", async () => {
    const withContent = await loggedIn([
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
    ]);
    const without = await loggedIn([GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    const heard = nextMessage(withContent, (m) => m.author.id === ada.id);
    const heardWithout = nextMessage(without, (m) => m.author.id === ada.id);
    expect((await userWrites(general(), ada.id, "hello bot")).status).toBe(201);
    const message = await heard;
    expect(message.content).toBe("hello bot");
    expect(message.guildId).toBe(SEED.guildId);
    expect(message.member?.id).toBe(ada.id);
    expect((await heardWithout).content).toBe("");
  });

  it("answers a message as a bot would, and the emulator has the answer", async () => {
    const client = await loggedIn([
      GatewayIntentBits.Guilds,
      GatewayIntentBits.GuildMessages,
      GatewayIntentBits.MessageContent,
    ]);
    client.on(Events.MessageCreate, async (message) => {
      if (message.author.bot || message.content !== "!ping") return;
      await message.reply("pong");
    });
    const answered = nextMessage(client, (m) => m.author.bot && m.content === "pong");
    await userWrites(general(), ada.id, "!ping");
    const answer = await answered;
    expect(answer.reference?.messageId).toBeDefined();
    const stored = emulator.world.requireChannel(general()).messages.at(-1)!;
    expect(stored).toMatchObject({ content: "pong", author: { id: emulator.world.application.bot.id } });
  });

  it("hears a DM without MESSAGE_CONTENT and answers in it", async () => {
    const client = await loggedIn([GatewayIntentBits.DirectMessages]);
    client.on(Events.MessageCreate, async (message) => {
      if (!message.author.bot && message.content === "help") await message.channel.send("here to help");
    });
    const answered = nextMessage(client, (m) => m.author.bot && m.content === "here to help");
    const dm = await control(`/users/${ada.id}/messages`, { content: "help" });
    expect(dm.status).toBe(201);
    const answer = await answered;
    expect(answer.channel.isDMBased()).toBe(true);
    expect(emulator.world.requireChannel(answer.channelId).messages.map((m) => m.content)).toEqual([
      "help",
      "here to help",
    ]);
  });

  it("lists roles, gives one to a member and takes it back", async () => {
    const client = await loggedIn([GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers]);
    const created = await control(`/guilds/${SEED.guildId}/roles`, {
      name: "porch regular",
      color: 0xf5a623,
    });
    const role = (await created.json()) as { id: string };
    const guild = await client.guilds.fetch(SEED.guildId);
    const roles = await guild.roles.fetch();
    expect(roles.get(role.id)?.name).toBe("porch regular");
    const member = await guild.members.fetch(ada.id);
    await member.roles.add(role.id);
    const stored = () =>
      emulator.world.requireMember(emulator.world.requireGuild(SEED.guildId), ada.id).roles;
    expect(stored()).toContain(role.id);
    await member.roles.remove(role.id);
    expect(stored()).not.toContain(role.id);
  });

  it("answers a slash command sent over the gateway (no interactions endpoint), and the emulator records it", async () => {
    const client = await loggedIn([GatewayIntentBits.Guilds]);
    await client.application!.commands.create({ name: "ping", description: "Is the bot there?" });
    const replied = new Promise<void>((resolve, reject) => {
      client.on(Events.InteractionCreate, async (interaction) => {
        if (!interaction.isChatInputCommand() || interaction.commandName !== "ping") return;
        try {
          await interaction.reply("pong, from a slash command");
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
    const before = emulator.world.botActions.after(0).actions.at(-1)?.seq ?? 0;
    const sent = await control("/interactions", {
      user_id: ada.id,
      guild_id: SEED.guildId,
      data: { name: "ping" },
    });
    expect(sent.status).toBe(200);
    expect(await sent.json()).toMatchObject({ via: "gateway", status: 202 });
    await replied;
    const answer = emulator.world.botActions
      .after(before)
      .actions.find((a) => a.kind === "interaction_response");
    expect(answer).toMatchObject({ response_type: 4, content: "pong, from a slash command" });
  });

  it("announces an edit of its interaction reply (MESSAGE_UPDATE) and records it", async () => {
    const client = await loggedIn([GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    await client.application!.commands.create({ name: "count", description: "Counts up" });
    const edited = new Promise<string>((resolve) =>
      client.on(Events.MessageUpdate, (_old, message) => resolve(message.content ?? "")),
    );
    client.on(Events.InteractionCreate, async (interaction) => {
      if (!interaction.isChatInputCommand() || interaction.commandName !== "count") return;
      await interaction.reply("one");
      await interaction.editReply("one, two");
    });
    const before = emulator.world.botActions.after(0).actions.at(-1)?.seq ?? 0;
    await control("/interactions", { user_id: ada.id, guild_id: SEED.guildId, data: { name: "count" } });
    expect(await edited).toBe("one, two");
    const actions = emulator.world.botActions.after(before).actions;
    expect(actions.find((a) => a.kind === "message_update")).toMatchObject({ content: "one, two" });
  });

  it("hears a user's reaction on its message", async () => {
    const client = await loggedIn([GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions]);
    const channel = await client.channels.fetch(general());
    if (!channel?.isSendable()) throw new Error("general is not a text channel");
    const sent = await channel.send("react to this");
    const heard = new Promise<string>((resolve) =>
      client.once(Events.MessageReactionAdd, (reaction, user) =>
        resolve(`${user.id} ${reaction.emoji.name}`),
      ),
    );
    const reacted = await control(
      `/channels/${general()}/messages/${sent.id}/reactions`,
      { user_id: ada.id, emoji: "🎉" },
      "PUT",
    );
    expect(reacted.status).toBe(204);
    expect(await heard).toBe(`${ada.id} 🎉`);
  });
});
