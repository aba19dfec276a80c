import { PorchlightClient, PorchlightHttpError } from "porchlight/client";
import { beforeAll, describe, expect, it } from "vitest";
import type { WorkerStack } from "../../../bench/lib/stack.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { useProxyStack } from "../helpers/stacks.ts";

/**
 * The client's message and guild calls against the message API: the Worker under wrangler dev,
 * the emulator over real HTTP, whose world shows what Discord received. Each error type the
 * server gives comes back as a PorchlightHttpError a caller can branch on.
 */

const KEY = "plk_client-messages-key-0123456789abcdefghijklmnopq";
const ada = SEED_MEMBERS[0]!.id;
const STRANGER = "1191168999999999999";
let stack: WorkerStack;
let client: PorchlightClient;
let general: string;

const proxied = useProxyStack(KEY);
beforeAll(() => {
  stack = proxied.stack;
  client = new PorchlightClient({ url: stack.worker.url, key: KEY });
  general = stack.emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
});

/** A channel of its own, so one test's rate-limit bucket is not another's. */
function freshChannel(name: string): string {
  return stack.emulator.world.createGuild({ name: `client ${name}`, channelNames: [name] }).channelIds[0]!;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );

describe("messages", () => {
  it("sends a direct message, which Discord has in the user's DM channel", async () => {
    const sent = await client.messages.direct(ada, {
      content: "hi from the client",
      embeds: [{ title: "Hello" }],
    });
    expect(sent).toMatchObject({ content: "hi from the client", embeds: [{ title: "Hello" }] });
    const dm = stack.emulator.world.requireChannel(sent.channel_id);
    expect(dm.channel.type).toBe(1);
    expect(dm.messages.map((message) => message.id)).toContain(sent.id);
  });

  it("sends, edits and deletes a channel message", async () => {
    const channel = freshChannel("crud");
    const sent = await client.messages.send(channel, { content: "first" });
    expect(sent.channel_id).toBe(channel);
    const edited = await client.messages.edit(channel, sent.id, { content: "second" });
    expect(edited).toMatchObject({ id: sent.id, content: "second" });
    expect(stack.emulator.world.requireMessage(channel, sent.id).content).toBe("second");
    await client.messages.delete(channel, sent.id);
    expect(stack.emulator.world.requireChannel(channel).messages).toEqual([]);
  });

  it("an Idempotency-Key makes a repeated send return the first message, posted once", async () => {
    const channel = freshChannel("idempotent");
    const key = `client-${Date.now()}`;
    const first = await client.messages.send(channel, { content: "once" }, { idempotencyKey: key });
    const again = await client.messages.send(channel, { content: "once" }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect(stack.emulator.world.requireChannel(channel).messages).toHaveLength(1);
    const reused = await failure(
      client.messages.send(channel, { content: "other" }, { idempotencyKey: key }),
    );
    expect(reused).toMatchObject({ status: 409, type: "conflict" });
  });

  it("an unknown channel or user is a discord_error 404 with Discord's code", async () => {
    const channel = await failure(client.messages.send("1191168914227299999", { content: "x" }));
    expect(channel).toBeInstanceOf(PorchlightHttpError);
    expect(channel).toMatchObject({ status: 404, type: "discord_error", code: 10003, upstreamStatus: 404 });
    const user = await failure(client.messages.direct(STRANGER, { content: "x" }));
    expect(user).toMatchObject({ status: 404, type: "discord_error", code: 10013 });
  });

  it("a message over Discord's limits is refused as invalid_input naming the field", async () => {
    const error = await failure(client.messages.send(general, { embeds: [{ title: "x".repeat(257) }] }));
    expect(error).toMatchObject({ status: 400, type: "invalid_input", path: ["embeds", 0, "title"] });
  });

  it("a missing permission is discord_error 403, code 50013", async () => {
    const channel = freshChannel("forbidden");
    await fetch(`${stack.emulator.urls.control}/rest/faults/forbidden`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel_id: channel }),
    });
    expect(await failure(client.messages.send(channel, { content: "no" }))).toMatchObject({
      status: 403,
      type: "discord_error",
      code: 50013,
    });
  });

  it("onLimit reject is told of a spent bucket at once; a wait past timeoutMs is the server's timeout", async () => {
    const channel = freshChannel("limited");
    for (let n = 0; n < 5; n++) await client.messages.send(channel, { content: `m${n}` });
    const started = Date.now();
    const rejected = await failure(client.messages.send(channel, { content: "no" }, { onLimit: "reject" }));
    expect(rejected).toMatchObject({ status: 429, type: "rate_limited" });
    expect((rejected as PorchlightHttpError).retryAfter).toBeGreaterThan(0);
    const late = await failure(client.messages.send(channel, { content: "no" }, { timeoutMs: 300 }));
    expect(late).toMatchObject({ status: 504, type: "timeout" });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(stack.emulator.world.requireChannel(channel).messages).toHaveLength(5);
  });

  it("a wrong key is unauthorized", async () => {
    const wrong = new PorchlightClient({
      url: stack.worker.url,
      key: "plk_wrong-key-000000000000000000000000000000",
    });
    expect(await failure(wrong.guilds.channels(SEED.guildId))).toMatchObject({
      status: 401,
      type: "unauthorized",
    });
  });
});

describe("guilds", () => {
  it("lists channels with their parents, and reads a member", async () => {
    const channels = await client.guilds.channels(SEED.guildId);
    expect(channels).toEqual(
      expect.arrayContaining([{ id: general, name: "general", type: 0, parent_id: null, position: 0 }]),
    );
    const member = await client.guilds.member(SEED.guildId, ada);
    expect(member.user.id).toBe(ada);
    expect(await failure(client.guilds.member(SEED.guildId, STRANGER))).toMatchObject({ status: 404 });
  });
});
