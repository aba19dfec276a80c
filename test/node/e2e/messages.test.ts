import { beforeAll, describe, expect, it } from "vitest";
import type { WorkerStack } from "../../../bench/lib/stack.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { useProxyStack } from "../helpers/stacks.ts";

/**
 * The message API end to end: the Worker under wrangler dev, the emulator over real HTTP. Every
 * route, every error type, idempotent retries and the limits at their boundaries; the emulator's
 * counters say how many Discord requests each call cost.
 */

const KEY = "plk_messages-test-key-0123456789abcdefghijklmnopqrstu";
const ada = SEED_MEMBERS[0]!.id;
let stack: WorkerStack;
let botId: string;
let general: string;

const proxied = useProxyStack(KEY);
beforeAll(() => {
  stack = proxied.stack;
  botId = stack.emulator.world.application.bot.id;
  general = stack.emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
});

interface Sent {
  status: number;
  body: Record<string, unknown> & {
    error?: { type: string; status: number; code: number | string; text: string; path?: unknown[] };
  };
  headers: Headers;
}

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const response = await fetch(`${stack.worker.url}/v1${path}`, {
    method,
    headers: { authorization: `Bot ${KEY}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
}

const discordRequests = () => stack.emulator.rest.counters()[botId]?.requests ?? 0;
const byRoute = (route: string) =>
  (stack.emulator.rest.counters()[botId] as unknown as { by_route: Record<string, { requests: number }> })
    .by_route[route]?.requests ?? 0;

async function freshChannel(name: string): Promise<string> {
  const guild = stack.emulator.world.createGuild({ name: `messages ${name}`, channelNames: [name] });
  return guild.channelIds[0]!;
}

describe("direct messages", () => {
  it("opens the DM channel once: the first DM costs two Discord requests, every later one costs one", async () => {
    const before = discordRequests();
    const first = await api("POST", "/messages/direct", { user_id: ada, content: "hello Ada" });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ content: "hello Ada" });
    expect(discordRequests() - before).toBe(2);
    const second = await api("POST", "/messages/direct", {
      user_id: ada,
      content: "again",
      embeds: [{ title: "t" }],
    });
    expect(second.status).toBe(200);
    expect(second.body.channel_id).toBe(first.body.channel_id);
    expect(discordRequests() - before).toBe(3);
    expect(byRoute("POST /users/:user_id/channels")).toBe(1);
  });

  it("answers an unknown user with discord_error and Discord's code", async () => {
    const sent = await api("POST", "/messages/direct", { user_id: "1191168914227299990", content: "nobody" });
    expect(sent.status).toBe(404);
    expect(sent.body.error).toMatchObject({ type: "discord_error", status: 404 });
    expect(typeof sent.body.error!.code).toBe("number");
  });
});

describe("channel messages", () => {
  it("sends, edits and deletes", async () => {
    const sent = await api("POST", `/channels/${general}/messages`, { content: "first draft" });
    expect(sent.status).toBe(200);
    const id = sent.body.id as string;
    const edited = await api("PATCH", `/channels/${general}/messages/${id}`, { content: "final" });
    expect(edited.body).toMatchObject({ id, content: "final" });
    expect((await api("DELETE", `/channels/${general}/messages/${id}`)).status).toBe(204);
    const again = await api("DELETE", `/channels/${general}/messages/${id}`);
    expect(again.status).toBe(404);
    expect(again.body.error).toMatchObject({ type: "discord_error", code: 10008 });
  });

  it("answers an unknown channel with discord_error 404 and Discord's code 10003", async () => {
    const sent = await api("POST", "/channels/1191168914227299991/messages", { content: "nowhere" });
    expect(sent.status).toBe(404);
    expect(sent.body.error).toMatchObject({ type: "discord_error", status: 404, code: 10003 });
  });

  it("returns the first send's message to a retry with the same Idempotency-Key, and posts once", async () => {
    const channel = await freshChannel("idempotent");
    const headers = { "idempotency-key": "order-1234" };
    const first = await api(
      "POST",
      `/channels/${channel}/messages`,
      { content: "your order shipped" },
      headers,
    );
    const retry = await api(
      "POST",
      `/channels/${channel}/messages`,
      { content: "your order shipped" },
      headers,
    );
    expect(retry.status).toBe(200);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(stack.emulator.world.requireChannel(channel).messages).toHaveLength(1);
    const other = await api("POST", `/channels/${channel}/messages`, { content: "something else" }, headers);
    expect(other.status).toBe(409);
    expect(other.body.error!.type).toBe("conflict");
  });

  it("refuses a missing permission with discord_error 403 and Discord's code 50013", async () => {
    const channel = await freshChannel("forbidden");
    await fetch(`${stack.emulator.urls.control}/rest/faults/forbidden`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel_id: channel }),
    });
    const sent = await api("POST", `/channels/${channel}/messages`, { content: "no" });
    expect(sent.status).toBe(403);
    expect(sent.body.error).toMatchObject({ type: "discord_error", status: 403, code: 50013 });
  });

  it("answers rate_limited at once in reject mode, and timeout when the wait outlasts the deadline", async () => {
    const channel = await freshChannel("limited");
    for (let n = 0; n < 5; n++)
      expect((await api("POST", `/channels/${channel}/messages`, { content: `m${n}` })).status).toBe(200);
    const rejected = await api(
      "POST",
      `/channels/${channel}/messages`,
      { content: "no" },
      { "x-porchlight-on-limit": "reject" },
    );
    expect(rejected.status).toBe(429);
    expect(rejected.body.error!.type).toBe("rate_limited");
    expect(Number(rejected.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const late = await api(
      "POST",
      `/channels/${channel}/messages`,
      { content: "no" },
      { "x-porchlight-timeout": "300" },
    );
    expect(late.status).toBe(504);
    expect(late.body.error!.type).toBe("timeout");
  });

  it("answers discord_unavailable when Discord's front refuses the address", async () => {
    await fetch(`${stack.emulator.urls.control}/rest/faults/cloudflare-ban`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seconds: 1 }),
    });
    const sent = await api("POST", `/channels/${general}/messages`, { content: "during a ban" });
    expect(sent.status).toBe(503);
    expect(sent.body.error).toMatchObject({ type: "discord_unavailable", code: "banned" });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });
});

describe("guilds", () => {
  it("lists a guild's channels with their parents, and reads a member", async () => {
    const channels = await api("GET", `/guilds/${SEED.guildId}/channels`);
    expect(channels.status).toBe(200);
    expect(channels.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: general, name: "general", parent_id: null })]),
    );
    const member = await api("GET", `/guilds/${SEED.guildId}/members/${ada}`);
    expect(member.body).toMatchObject({ user: { id: ada } });
  });
});

describe("input", () => {
  it.each([
    [{ content: "x".repeat(2001) }, ["content"]],
    [{ content: "" }, ["content"]],
    [{ embeds: Array.from({ length: 11 }, () => ({ title: "t" })) }, ["embeds"]],
    [{ embeds: [{ title: "x".repeat(257) }] }, ["embeds", 0, "title"]],
    [
      { embeds: [{ fields: Array.from({ length: 26 }, () => ({ name: "n", value: "v" })) }] },
      ["embeds", 0, "fields"],
    ],
    [{ embeds: [{ description: "x".repeat(4096) }, { description: "x".repeat(2000) }] }, ["embeds"]],
    [{ content: "hi", surprise: true }, []],
  ])("refuses %j before Discord hears of it, naming the field", async (body, path) => {
    const before = discordRequests();
    const sent = await api("POST", `/channels/${general}/messages`, body);
    expect(sent.status).toBe(400);
    expect(sent.body.error).toMatchObject({ type: "invalid_input", path });
    expect(discordRequests()).toBe(before);
  });

  it("takes a message at every limit exactly", async () => {
    const sent = await api("POST", `/channels/${general}/messages`, {
      content: "x".repeat(2000),
      embeds: [{ description: "x".repeat(4000) }, { description: "x".repeat(2000) }],
    });
    expect(sent.status).toBe(200);
  });

  it("refuses bad ids, a body that is not JSON, and wrong keys", async () => {
    expect((await api("POST", "/channels/not-an-id/messages", { content: "x" })).body.error).toMatchObject({
      type: "invalid_input",
      path: ["channel_id"],
    });
    expect((await api("POST", `/channels/${general}/messages`, "{not json")).body.error!.type).toBe(
      "invalid_input",
    );
    const stranger = await fetch(`${stack.worker.url}/v1/channels/${general}/messages`, {
      method: "POST",
      headers: { authorization: "Bot plk_wrong" },
      body: "{}",
    });
    expect(stranger.status).toBe(401);
    expect(((await stranger.json()) as Sent["body"]).error!.type).toBe("unauthorized");
  });
});
