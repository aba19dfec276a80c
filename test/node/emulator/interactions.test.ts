import { createPublicKey, verify } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIApplicationCommand, APIRole } from "discord-api-types/v10";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DISCORD_SYSTEM_USER,
  deliverInteraction,
  verifyInteractionSignature,
} from "../../../emulator/interactions.ts";
import { createSeededWorld, SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import type { World } from "../../../emulator/world.ts";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  contentType?: string;
  body: string;
}

/** A stand-in for an application's interactions endpoint; `reply` null means never answer. */
async function startEndpoint(reply: (received: Received) => Reply | null) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString() };
      received.push(request);
      const answer = reply(request);
      if (!answer) return;
      res.writeHead(answer.status, { "content-type": answer.contentType ?? "application/json" });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/interactions`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Endpoint = Awaited<ReturnType<typeof startEndpoint>>;

const ada = SEED_MEMBERS[0]!;
const STORAGE_TOKEN_CREATE = {
  name: "storage",
  options: [{ type: 2, name: "token", options: [{ type: 1, name: "create" }] }],
};
const json = (value: unknown): Reply => ({ status: 200, body: JSON.stringify(value) });

/** Verifies with node:crypto alone, so the emulator's own helper is not trusted here. */
function signedByApplication(world: World, received: Received): boolean {
  const spki = Buffer.concat([
    Buffer.from("302a300506032b6570032100", "hex"),
    Buffer.from(world.application.publicKey, "hex"),
  ]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  const timestamp = String(received.headers["x-signature-timestamp"]);
  const signature = Buffer.from(String(received.headers["x-signature-ed25519"]), "hex");
  return verify(null, Buffer.from(timestamp + received.body), key, signature);
}

let world: World;
let endpoint: Endpoint;
beforeEach(async () => {
  world = createSeededWorld();
  endpoint = await startEndpoint(() => json({ type: 4, data: { content: "created", flags: 64 } }));
});
afterEach(() => endpoint.close());

describe("an application command in a guild", () => {
  it("arrives signed with the application's key, with Discord's headers", async () => {
    await deliverInteraction(world, {
      user_id: ada.id,
      guild_id: SEED.guildId,
      url: endpoint.url,
      data: STORAGE_TOKEN_CREATE,
    });
    const [received] = endpoint.received;
    expect(received!.headers["content-type"]).toBe("application/json");
    expect(received!.headers["user-agent"]).toBe("Discord-Interactions/1.0 (+https://discord.com)");
    expect(received!.headers["x-signature-ed25519"]).toMatch(/^[0-9a-f]{128}$/);
    const timestamp = Number(received!.headers["x-signature-timestamp"]);
    expect(Number.isInteger(timestamp)).toBe(true);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(600); // unix seconds, not milliseconds
    expect(signedByApplication(world, received!)).toBe(true);
    expect(signedByApplication(world, { ...received!, body: `${received!.body} ` })).toBe(false);
  });

  it("carries the command, the member with permissions, and the guild context", async () => {
    const result = await deliverInteraction(world, {
      user_id: ada.id,
      guild_id: SEED.guildId,
      url: endpoint.url,
      data: STORAGE_TOKEN_CREATE,
    });
    const payload = JSON.parse(endpoint.received[0]!.body);
    const guild = world.requireGuild(SEED.guildId);
    expect(payload).toMatchObject({
      id: expect.stringMatching(/^\d{17,20}$/),
      application_id: SEED.applicationId,
      type: 2,
      data: {
        id: expect.stringMatching(/^\d{17,20}$/),
        type: 1,
        name: "storage",
        options: [{ type: 2, name: "token", options: [{ type: 1, name: "create" }] }],
      },
      guild_id: SEED.guildId,
      guild: { id: SEED.guildId, locale: "en-US", features: [] },
      channel_id: guild.channelIds[0],
      channel: { id: guild.channelIds[0], type: 0, guild_id: SEED.guildId },
      member: {
        user: { id: ada.id, username: ada.username },
        roles: [],
        joined_at: guild.members.get(ada.id)!.joined_at,
        permissions: "2248473465835073", // @everyone's
        deaf: false,
        mute: false,
      },
      token: expect.stringMatching(/^aW50ZXJhY3Rpb246[\w-]+$/),
      version: 1,
      locale: "en-US",
      guild_locale: "en-US",
      entitlements: [],
      authorizing_integration_owners: { "0": SEED.guildId },
      context: 0,
      attachment_size_limit: 20 * 1024 * 1024,
    });
    expect(BigInt(payload.app_permissions) & 8n).toBe(8n); // the bot owns the seeded guild
    expect(payload).not.toHaveProperty("user");
    expect(result).toEqual({
      via: "endpoint",
      status: 200,
      body: { type: 4, data: { content: "created", flags: 64 } },
      interaction: payload,
      // As on Discord, the 200 answer is the initial response.
      acknowledged: true,
    });
  });

  it("an administrator role grants every permission; other roles add theirs", async () => {
    const guild = world.requireGuild(SEED.guildId);
    const role = (id: string, permissions: string) =>
      ({ ...guild.roles[0]!, id, name: id, permissions }) as APIRole;
    guild.roles.push(role("1300000000000000501", "8"), role("1300000000000000502", String(1n << 40n)));
    world.updateMember(SEED.guildId, ada.id, { roles: ["1300000000000000502"] });
    const plain = await deliverInteraction(world, {
      user_id: ada.id,
      guild_id: SEED.guildId,
      url: endpoint.url,
      data: STORAGE_TOKEN_CREATE,
    });
    expect(BigInt((plain.interaction.member as { permissions: string }).permissions)).toBe(
      2248473465835073n | (1n << 40n),
    );
    world.updateMember(SEED.guildId, ada.id, { roles: ["1300000000000000501"] });
    const admin = await deliverInteraction(world, {
      user_id: ada.id,
      guild_id: SEED.guildId,
      url: endpoint.url,
      data: STORAGE_TOKEN_CREATE,
    });
    expect((admin.interaction.member as { permissions: string }).permissions).toBe(
      admin.interaction.app_permissions,
    );
  });

  it("a registered command lends its id and type", async () => {
    const command = { id: "1300000000000000700", name: "storage", type: 1 } as APIApplicationCommand;
    world.application.globalCommands.push(command);
    const result = await deliverInteraction(world, {
      user_id: ada.id,
      guild_id: SEED.guildId,
      url: endpoint.url,
      data: STORAGE_TOKEN_CREATE,
    });
    expect(result.interaction.data).toMatchObject({ id: command.id, type: 1, name: "storage" });
    expect(result.interaction.data).not.toHaveProperty("guild_id");
    world.application.guildCommands.set(SEED.guildId, [
      { ...command, id: "1300000000000000701", guild_id: SEED.guildId },
    ]);
    const guildScoped = await deliverInteraction(world, {
      user_id: ada.id,
      guild_id: SEED.guildId,
      url: endpoint.url,
      data: STORAGE_TOKEN_CREATE,
    });
    expect(guildScoped.interaction.data).toMatchObject({ id: "1300000000000000701", guild_id: SEED.guildId });
  });
});

describe("other places and types", () => {
  it("in a DM: `user` instead of `member`, the DM channel, the bot-DM context", async () => {
    const result = await deliverInteraction(world, {
      user_id: ada.id,
      url: endpoint.url,
      data: { name: "storage" },
    });
    const dm = world.openDm(ada.id);
    expect(result.interaction).toMatchObject({
      user: { id: ada.id },
      channel_id: dm.id,
      channel: { id: dm.id, type: 1 },
      context: 1,
      app_permissions: "442368", // attach files, embed links, mention everyone, external emojis
      authorizing_integration_owners: { "0": "0" },
    });
    expect(result.interaction).not.toHaveProperty("member");
    expect(result.interaction).not.toHaveProperty("guild_id");
  });

  it("PING comes from Discord's system user with no data, whatever user_id says", async () => {
    const pong = await startEndpoint(() => json({ type: 1 }));
    try {
      const result = await deliverInteraction(world, { user_id: "1", type: 1, url: pong.url });
      expect(result.body).toEqual({ type: 1 });
      const payload = JSON.parse(pong.received[0]!.body);
      expect(payload).toMatchObject({
        type: 1,
        version: 1,
        user: DISCORD_SYSTEM_USER,
        app_permissions: "180224",
      });
      expect(Object.keys(payload).sort()).toEqual(
        [
          "app_permissions",
          "application_id",
          "entitlements",
          "id",
          "token",
          "type",
          "user",
          "version",
        ].sort(),
      );
      expect(signedByApplication(world, pong.received[0]!)).toBe(true);
    } finally {
      await pong.close();
    }
  });

  it("a message component carries custom_id and the message it is on", async () => {
    const result = await deliverInteraction(world, {
      user_id: ada.id,
      guild_id: SEED.guildId,
      type: 3,
      url: endpoint.url,
      data: { custom_id: "my-user-data" },
      message: { content: "your data" },
    });
    expect(result.interaction).toMatchObject({
      type: 3,
      data: { custom_id: "my-user-data", component_type: 2 },
      message: {
        id: expect.stringMatching(/^\d{17,20}$/),
        channel_id: result.interaction.channel_id,
        author: { id: SEED.applicationId, bot: true },
        content: "your data",
        components: [{ type: 1, components: [{ type: 2, custom_id: "my-user-data" }] }],
      },
    });
  });

  it("uses the application's endpoint URL when the request names none", async () => {
    world.application.interactionsEndpointUrl = endpoint.url;
    const result = await deliverInteraction(world, { user_id: ada.id, data: { name: "ping" } });
    expect(result.status).toBe(200);
    expect(endpoint.received).toHaveLength(1);
  });

  it("returns any answer as it came: a 401 with a text body stays text", async () => {
    const strict = await startEndpoint(() => ({
      status: 401,
      contentType: "text/plain",
      body: "invalid request signature",
    }));
    try {
      const result = await deliverInteraction(world, {
        user_id: ada.id,
        url: strict.url,
        data: { name: "x" },
      });
      expect([result.status, result.body]).toEqual([401, "invalid request signature"]);
    } finally {
      await strict.close();
    }
  });
});

describe("failures", () => {
  const command = { data: STORAGE_TOKEN_CREATE };

  it.each([
    [{ user_id: ada.id, url: "ftp://127.0.0.1/x", ...command }, 400, /http or https/],
    [{ user_id: ada.id, url: "not a url", ...command }, 400, /http or https/],
    [{ user_id: "1300000000000009999", url: "http://x/", ...command }, 404, /Unknown User/],
    [
      { user_id: ada.id, guild_id: "1300000000000009999", url: "http://x/", ...command },
      404,
      /Unknown Guild/,
    ],
    [{ user_id: ada.id, type: 9, url: "http://x/", ...command }, 400, /type must be/],
    [{ user_id: ada.id, url: "http://x/" }, 400, /data: must be a JSON object/],
    [{ user_id: ada.id, url: "http://x/", data: [] }, 400, /data: must be a JSON object/],
    [{ user_id: ada.id, url: "http://x/", data: { options: [] } }, 400, /data.name/],
    [{ user_id: ada.id, url: "http://x/", data: { name: "" } }, 400, /data.name/],
    [{ user_id: ada.id, url: "http://x/", data: { name: "x".repeat(33) } }, 400, /data.name/],
    [{ user_id: ada.id, url: "http://x/", data: { name: "x", options: {} } }, 400, /data.options/],
    [{ user_id: ada.id, url: "http://x/", type: 3, data: {} }, 400, /data.custom_id/],
    [
      { user_id: ada.id, url: "http://x/", type: 3, data: { custom_id: "c".repeat(101) } },
      400,
      /data.custom_id/,
    ],
    [{ user_id: ada.id, url: "http://x/", type: 3, data: { custom_id: "c" }, message: "hi" }, 400, /message/],
  ])("%j → %i", async (request, status, message) => {
    await expect(deliverInteraction(world, request)).rejects.toMatchObject({
      status,
      message: expect.stringMatching(message),
    });
  });

  it("a user who is not a member of the guild is Unknown Member", async () => {
    world.createUser({ id: "1300000000000000800", username: "outsider" });
    await expect(
      deliverInteraction(world, {
        user_id: "1300000000000000800",
        guild_id: SEED.guildId,
        url: endpoint.url,
        ...command,
      }),
    ).rejects.toMatchObject({ status: 404, message: "Unknown Member" });
    expect(endpoint.received).toHaveLength(0);
  });

  it("names at the limits pass: 32-character command names, 100-character custom_ids", async () => {
    await deliverInteraction(world, { user_id: ada.id, url: endpoint.url, data: { name: "n".repeat(32) } });
    await deliverInteraction(world, {
      user_id: ada.id,
      url: endpoint.url,
      type: 3,
      data: { custom_id: "c".repeat(100) },
    });
    expect(endpoint.received).toHaveLength(2);
  });

  it("an endpoint that is down is a 502 naming it", async () => {
    const gone = await startEndpoint(() => null);
    await gone.close();
    await expect(
      deliverInteraction(world, { user_id: ada.id, url: gone.url, ...command }),
    ).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(new RegExp(`${gone.url}.*unreachable`)),
    });
  });

  it("an endpoint that never answers is a 504 once the deadline passes", async () => {
    const silent = await startEndpoint(() => null);
    try {
      await expect(
        deliverInteraction(world, { user_id: ada.id, url: silent.url, ...command }, { timeoutMs: 100 }),
      ).rejects.toMatchObject({
        status: 504,
        message: expect.stringMatching(/did not answer within 100 ms/),
      });
      expect(silent.received).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });
});

describe("verifyInteractionSignature", () => {
  it("accepts what the emulator signed and rejects any change", async () => {
    await deliverInteraction(world, {
      user_id: ada.id,
      url: endpoint.url,
      ...{ data: STORAGE_TOKEN_CREATE },
    });
    const { headers, body } = endpoint.received[0]!;
    const signature = String(headers["x-signature-ed25519"]);
    const timestamp = String(headers["x-signature-timestamp"]);
    const key = world.application.publicKey;
    expect(verifyInteractionSignature(key, signature, timestamp, body)).toBe(true);
    expect(verifyInteractionSignature(key, signature, String(Number(timestamp) + 1), body)).toBe(false);
    expect(verifyInteractionSignature(key, signature, timestamp, body.replace("storage", "Storage"))).toBe(
      false,
    );
    const other = createSeededWorld();
    other.application.publicKey = "00".repeat(32);
    expect(verifyInteractionSignature(other.application.publicKey, signature, timestamp, body)).toBe(false);
    expect(verifyInteractionSignature(key, "zz", timestamp, body)).toBe(false);
    expect(verifyInteractionSignature("abc", signature, timestamp, body)).toBe(false);
  });
});

describe("POST /_emulator/interactions", () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ port: 0 });
  });
  afterEach(() => emulator.close());

  async function post(body: unknown) {
    const res = await fetch(`${emulator.urls.control}/interactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error?: string } };
  }

  it("delivers and returns the endpoint's status and body", async () => {
    const { status, body } = await post({
      user_id: ada.id,
      guild_id: SEED.guildId,
      url: endpoint.url,
      data: STORAGE_TOKEN_CREATE,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 200,
      body: { type: 4 },
      interaction: { type: 2, guild_id: SEED.guildId },
    });
    expect(signedByApplication(emulator.world, endpoint.received[0]!)).toBe(true);
  });

  it.each([
    [
      { user_id: "1300000000000009999", url: "http://127.0.0.1:1/", data: { name: "x" } },
      404,
      /Unknown User/,
    ],
    [{ user_id: ada.id, url: "http://127.0.0.1:1/", data: { nope: 1 } }, 400, /data.name/],
    [{ user_id: ada.id, url: "http://127.0.0.1:1/", data: { name: "x" } }, 502, /unreachable/],
  ])("%j → %i", async (request, status, message) => {
    const response = await post(request);
    expect(response.status).toBe(status);
    expect(response.body.error).toMatch(message);
  });
});
