import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { INTERACTION_TOKEN_LIFETIME_MS, InteractionStore } from "../../../emulator/interaction-store.ts";
import { deliverInteraction } from "../../../emulator/interactions.ts";
import { BUCKETS } from "../../../emulator/rest/buckets.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../../emulator/server.ts";
import { callControl, callRest, type RestReply, startInteractionsEndpoint } from "./rest-helpers.ts";

/**
 * The routes an interaction's token opens: the callback and the interaction's webhook
 * (follow-ups, @original), without a bot token, under webhook limits and outside the global
 * limit. Interactions come from deliverInteraction, to endpoints that answer as each test needs.
 */

let emulator: Emulator;
async function start(options: EmulatorOptions = {}) {
  emulator = await startEmulator({ port: 0, ...options });
  return emulator;
}
afterEach(() => emulator?.close());

/** An endpoint that answers 202 and no body: the interaction stays unacknowledged for the REST callback. */
let silent: Awaited<ReturnType<typeof startInteractionsEndpoint>>;
/** One that answers with a message (type 4) in the HTTP response, as a Worker would. */
let answering: Awaited<ReturnType<typeof startInteractionsEndpoint>>;
beforeAll(async () => {
  silent = await startInteractionsEndpoint({ status: 202, body: null });
  answering = await startInteractionsEndpoint({
    status: 200,
    body: { type: 4, data: { content: "answered over HTTP" } },
  });
});
afterAll(async () => {
  await silent.close();
  await answering.close();
});

const ada = SEED_MEMBERS[0]!;
const UNKNOWN_ID = "1300000000000000099";
const NO_AUTH = { authorization: null } as const;

interface Delivered {
  id: string;
  token: string;
  channelId: string;
}

async function deliver(url = silent.url): Promise<Delivered> {
  const result = await deliverInteraction(emulator.world, {
    user_id: ada.id,
    guild_id: SEED.guildId,
    url,
    data: { name: "presence" },
  });
  const { id, token, channel_id } = result.interaction as { id: string; token: string; channel_id: string };
  return { id, token, channelId: channel_id };
}

const appId = () => emulator.world.application.id;
const callback = (
  i: Pick<Delivered, "id" | "token">,
  body: unknown,
  query = "",
  authorization?: string | null,
) =>
  callRest(emulator, "POST", `/interactions/${i.id}/${i.token}/callback${query}`, {
    body,
    authorization: authorization === undefined ? null : authorization,
  });
const webhook = (token: string) => `/webhooks/${appId()}/${token}`;
const botAuth = () => `Bot ${emulator.world.application.botToken}`;

describe("POST /interactions/:interaction_id/:interaction_token/callback", () => {
  it("accepts the initial response once (204), then answers 40060", async () => {
    await start();
    const interaction = await deliver();
    const first = await callback(interaction, { type: 5 });
    expect(first.status).toBe(204);
    expect(first.body).toBeNull();
    expect(first.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.interactionCallback.hash);
    const second = await callback(interaction, { type: 4, data: { content: "again" } });
    expect(second.status).toBe(400);
    expect(second.body).toEqual({ message: "Interaction has already been acknowledged.", code: 40060 });
  });

  it("answers 10062 Unknown interaction for a made-up token, or a real token with another id", async () => {
    await start();
    const interaction = await deliver();
    for (const target of [
      { id: interaction.id, token: "not-a-token" },
      { id: UNKNOWN_ID, token: interaction.token },
    ]) {
      const reply = await callback(target, { type: 5 });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ message: "Unknown interaction", code: 10062 });
    }
    // Neither spent the real interaction's one response.
    expect((await callback(interaction, { type: 5 })).status).toBe(204);
  });

  it("type 4 creates the original message in the interaction's channel", async () => {
    await start();
    const interaction = await deliver();
    expect((await callback(interaction, { type: 4, data: { content: "pong", flags: 64 } })).status).toBe(204);
    const { status, body } = await callRest(
      emulator,
      "GET",
      `${webhook(interaction.token)}/messages/@original`,
      NO_AUTH,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      content: "pong",
      channel_id: interaction.channelId,
      author: { id: emulator.world.application.bot.id },
      webhook_id: appId(),
      flags: 64,
      interaction_metadata: { id: interaction.id, type: 2, user: { id: ada.id } },
    });
    // The bot can read it in the channel, too.
    const fromChannel = await callRest(
      emulator,
      "GET",
      `/channels/${interaction.channelId}/messages/${body.id}`,
    );
    expect(fromChannel.body.content).toBe("pong");
  });

  it("?with_response=true answers 200 with the interaction and the message it created", async () => {
    await start();
    const interaction = await deliver();
    const { status, body } = await callback(
      interaction,
      { type: 4, data: { content: "hi" } },
      "?with_response=true",
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      interaction: {
        id: interaction.id,
        type: 2,
        response_message_id: expect.any(String),
        response_message_loading: false,
        response_message_ephemeral: false,
      },
      resource: { type: 4, message: expect.objectContaining({ content: "hi" }) },
    });
    expect(body.resource.message.id).toBe(body.interaction.response_message_id);
  });

  it("type 5 leaves a loading original that an edit of @original fills in", async () => {
    await start();
    const interaction = await deliver();
    const deferred = await callback(interaction, { type: 5 }, "?with_response=true");
    expect(deferred.body.interaction).toMatchObject({ response_message_loading: true });
    expect(deferred.body.resource).toEqual({ type: 5 });
    const original = `${webhook(interaction.token)}/messages/@original`;
    expect((await callRest(emulator, "GET", original, NO_AUTH)).body).toMatchObject({
      content: "",
      flags: 128,
    });
    const edited = await callRest(emulator, "PATCH", original, { ...NO_AUTH, body: { content: "done" } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ content: "done", flags: 0, edited_timestamp: expect.any(String) });
  });

  it("checks the body: 50035 for an unknown type, 50006 for an empty message", async () => {
    await start();
    const interaction = await deliver();
    const badType = await callback(interaction, { type: 3 });
    expect(badType.status).toBe(400);
    expect(badType.body.code).toBe(50035);
    expect(badType.body.errors).toHaveProperty("type");
    const empty = await callback(interaction, { type: 4, data: {} });
    expect(empty.body).toEqual({ message: "Cannot send an empty message", code: 50006 });
    // A refused body acknowledges nothing.
    expect((await callback(interaction, { type: 4, data: { content: "ok" } })).status).toBe(204);
  });

  it("takes an endpoint's answer as the initial response, unless acknowledge_on_answer is false", async () => {
    await start();
    const deliverVia = async (acknowledge_on_answer?: boolean) =>
      (
        await callControl(emulator, "POST", "/interactions", {
          user_id: ada.id,
          guild_id: SEED.guildId,
          url: answering.url,
          data: { name: "presence" },
          acknowledge_on_answer,
        })
      ).body;
    const open = await deliverVia(false);
    expect(open).toMatchObject({ status: 200, acknowledged: false });
    expect((await callback(open.interaction, { type: 5 })).status).toBe(204);

    // As on Discord: the answer is the initial response, so it is @original and a callback is 40060.
    const answered = await deliverVia();
    expect(answered).toMatchObject({ status: 200, acknowledged: true });
    const { token } = answered.interaction;
    expect((await callback(answered.interaction, { type: 5 })).body.code).toBe(40060);
    const original = await callRest(emulator, "GET", `${webhook(token)}/messages/@original`, NO_AUTH);
    expect(original.body.content).toBe("answered over HTTP");
  });
});

describe("/webhooks/:application_id/:interaction_token", () => {
  it("posts follow-ups that can be read, edited and deleted by id", async () => {
    await start();
    const interaction = await deliver();
    await callback(interaction, { type: 4, data: { content: "first" } });
    const posted = await callRest(emulator, "POST", webhook(interaction.token), {
      ...NO_AUTH,
      body: { content: "follow-up", flags: 64 },
    });
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({ content: "follow-up", flags: 64, webhook_id: appId() });
    expect(posted.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.webhook.hash);
    const path = `${webhook(interaction.token)}/messages/${posted.body.id}`;
    expect((await callRest(emulator, "GET", path, NO_AUTH)).body.content).toBe("follow-up");
    const edited = await callRest(emulator, "PATCH", path, { ...NO_AUTH, body: { content: "edited" } });
    expect(edited.body.content).toBe("edited");
    expect((await callRest(emulator, "DELETE", path, NO_AUTH)).status).toBe(204);
    const gone = await callRest(emulator, "GET", path, NO_AUTH);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ message: "Unknown Message", code: 10008 });
  });

  it("deletes @original with 204; afterwards it, and a message of another interaction, are 10008", async () => {
    await start();
    const interaction = await deliver();
    await callback(interaction, { type: 4, data: { content: "bye" } });
    const original = `${webhook(interaction.token)}/messages/@original`;
    expect((await callRest(emulator, "DELETE", original, NO_AUTH)).status).toBe(204);
    expect((await callRest(emulator, "GET", original, NO_AUTH)).body.code).toBe(10008);
    const channelMessage = emulator.world.createMessage(
      interaction.channelId,
      emulator.world.application.bot,
      "x",
    );
    const other = await callRest(
      emulator,
      "GET",
      `${webhook(interaction.token)}/messages/${channelMessage.id}`,
      NO_AUTH,
    );
    expect(other.body).toEqual({ message: "Unknown Message", code: 10008 });
  });

  it.each([
    ["POST", ""],
    ["GET", "/messages/@original"],
    ["PATCH", "/messages/@original"],
    ["DELETE", "/messages/@original"],
  ])(
    "%s with an unknown token (or another application's id) is 404 10015 Unknown Webhook",
    async (method, tail) => {
      await start();
      const interaction = await deliver();
      const body = method === "POST" || method === "PATCH" ? { content: "x" } : undefined;
      for (const path of [
        `${webhook("made-up")}${tail}`,
        `/webhooks/${UNKNOWN_ID}/${interaction.token}${tail}`,
      ]) {
        const reply = await callRest(emulator, method, path, { ...NO_AUTH, body });
        expect(reply.status).toBe(404);
        expect(reply.body).toEqual({ message: "Unknown Webhook", code: 10015 });
      }
    },
  );

  it("keeps one window per webhook: 5 per 2 s per token, whoever calls", async () => {
    await start();
    const [a, b] = [await deliver(), await deliver()];
    await callback(a, { type: 4, data: { content: "a" } });
    await callback(b, { type: 4, data: { content: "b" } });
    const replies: RestReply[] = [];
    // Until the first 429; with and without the bot token alike, the webhook's window counts.
    while (replies.length < 40 && replies.at(-1)?.status !== 429) {
      const authorization = replies.length % 2 === 0 ? null : botAuth();
      replies.push(
        await callRest(emulator, "GET", `${webhook(a.token)}/messages/@original`, { authorization }),
      );
    }
    const limited = replies.at(-1)!;
    expect(limited.status).toBe(429);
    expect(limited.headers.get("X-RateLimit-Scope")).toBe("user");
    expect(limited.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.webhook.hash);
    expect(limited.headers.get("X-RateLimit-Global")).toBeNull();
    expect(replies.slice(-6, -1).map((r) => r.headers.get("X-RateLimit-Remaining"))).toEqual([
      "4",
      "3",
      "2",
      "1",
      "0",
    ]);
    // The other interaction's webhook has a window of its own.
    const other = await callRest(emulator, "GET", `${webhook(b.token)}/messages/@original`, NO_AUTH);
    expect(other.status).toBe(200);
    expect(other.headers.get("X-RateLimit-Remaining")).toBe("4");
  });
});

describe("the global limit on webhook routes", () => {
  it("does not apply without an Authorization header", async () => {
    await start({ restGlobalPerSecond: 1 });
    const interactions = [await deliver(), await deliver(), await deliver()];
    const started = Date.now();
    const replies: RestReply[] = [];
    for (const interaction of interactions) {
      replies.push(await callback(interaction, { type: 4, data: { content: "x" } }));
      for (let i = 0; i < 4; i++) {
        replies.push(
          await callRest(emulator, "GET", `${webhook(interaction.token)}/messages/@original`, NO_AUTH),
        );
      }
    }
    // Fifteen requests in well under a second against a global limit of 1 per second.
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(replies.map((r) => r.status)).toEqual(
      Array(15)
        .fill(0)
        .map((_, i) => (i % 5 === 0 ? 204 : 200)),
    );
    expect(emulator.rest.counters()).toEqual({
      webhooks: expect.objectContaining({
        requests: 15,
        rate_limited: { user: 0, global: 0, shared: 0 },
        invalid: 0,
      }),
    });
  });

  it("applies with the bot token: the requests spend the bot's global window, counted as webhooks", async () => {
    await start({ restGlobalPerSecond: 1 });
    const interaction = await deliver();
    await callback(interaction, { type: 4, data: { content: "x" } });
    const replies: RestReply[] = [];
    while (replies.length < 20 && replies.at(-1)?.status !== 429) {
      replies.push(
        await callRest(emulator, "GET", `${webhook(interaction.token)}/messages/@original`, {
          authorization: botAuth(),
        }),
      );
    }
    const limited = replies.at(-1)!;
    expect(limited.status).toBe(429);
    expect(limited.headers.get("X-RateLimit-Global")).toBe("true");
    const counters = emulator.rest.counters();
    expect(counters.webhooks).toMatchObject({ requests: replies.length + 1, rate_limited: { global: 1 } });
    expect(counters.webhooks!.by_route).toMatchObject({
      "GET /webhooks/:application_id/:interaction_token/messages/:message_id": {
        requests: replies.length,
        rate_limited: 1,
      },
      "POST /interactions/:interaction_id/:interaction_token/callback": { requests: 1, rate_limited: 0 },
    });
    expect(counters[emulator.world.application.bot.id]).toBeUndefined();
    // The bot's own routes share that window: while it lasts, they are refused too.
    const bot = await callRest(emulator, "GET", "/users/@me");
    if (limited.body.retry_after > 0.2) expect(bot.headers.get("X-RateLimit-Scope")).toBe("global");
  });

  it("counts interaction callbacks with the bot token toward the bot's window (discord-api-docs #4142)", async () => {
    await start({ restGlobalPerSecond: 1 });
    const replies: RestReply[] = [];
    while (replies.length < 20 && replies.at(-1)?.status !== 429) {
      const interaction = await deliver();
      replies.push(await callback(interaction, { type: 5 }, "", botAuth()));
    }
    expect(replies.at(-1)!.headers.get("X-RateLimit-Scope")).toBe("global");
  });
});

describe("InteractionStore", () => {
  it("forgets a token exactly 15 minutes after the interaction", () => {
    let now = 1_700_000_000_000;
    const store = new InteractionStore(() => now);
    store.remember({ id: "1", token: "t", application_id: "2", type: 2, channel_id: "3" });
    now += INTERACTION_TOKEN_LIFETIME_MS - 1;
    expect(store.byIdAndToken("1", "t")?.channelId).toBe("3");
    expect(store.byIdAndToken("9", "t")).toBeUndefined();
    now += 1;
    expect(store.byToken("t")).toBeUndefined();
    expect(store.size).toBe(0);
  });
});
