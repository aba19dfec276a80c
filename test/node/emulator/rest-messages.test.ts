import { REST } from "@discordjs/rest";
import { type APIMessage, Routes } from "discord-api-types/v10";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig, urlsFor } from "../../../emulator/config.ts";
import { parseEmoji } from "../../../emulator/reactions.ts";
import { BUCKETS } from "../../../emulator/rest/buckets.ts";
import { createRest } from "../../../emulator/rest/index.ts";
import { createSeededWorld, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { callRest, freshChannel, type RestReply } from "./rest-helpers.ts";

/**
 * Message routes beyond POST: read, edit, delete, reactions, and files sent as multipart. Every
 * test that counts a bucket uses a fresh channel, so the one emulator can be shared.
 */

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());

const UNKNOWN_ID = "1300000000000000099";
const THUMBS_UP = encodeURIComponent("👍");
const call = (method: string, path: string, options?: Parameters<typeof callRest>[3]) =>
  callRest(emulator, method, path, options);
const botId = () => emulator.world.application.bot.id;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh channel with one bot message in it. */
async function channelWithMessage(content = "hello"): Promise<{ channelId: string; message: APIMessage }> {
  const channelId = freshChannel(emulator);
  const { status, body } = await call("POST", `/channels/${channelId}/messages`, { body: { content } });
  expect(status).toBe(200);
  return { channelId, message: body };
}

const rateLimitHeaders = (reply: RestReply) =>
  Object.fromEntries([...reply.headers].filter(([name]) => name.startsWith("x-ratelimit")));

/** Waits until the window a reply describes has reset. */
const afterReset = (reply: RestReply) =>
  sleep(Number(reply.headers.get("X-RateLimit-Reset-After")) * 1000 + 20);

describe("GET, PATCH and DELETE /channels/:channel_id/messages/:message_id", () => {
  it("reads a message back as it was created", async () => {
    const { channelId, message } = await channelWithMessage();
    const { status, body, headers } = await call("GET", `/channels/${channelId}/messages/${message.id}`);
    expect(status).toBe(200);
    expect(body).toEqual(message);
    expect(headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.getMessage.hash);
  });

  it("edits content, stamps edited_timestamp, and keeps what the edit does not name", async () => {
    const { channelId, message } = await channelWithMessage();
    const embeds = [{ title: "kept" }];
    await call("PATCH", `/channels/${channelId}/messages/${message.id}`, { body: { embeds } });
    const { status, body, headers } = await call("PATCH", `/channels/${channelId}/messages/${message.id}`, {
      body: { content: "edited" },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: message.id, content: "edited", embeds, timestamp: message.timestamp });
    expect(body.edited_timestamp).toEqual(expect.any(String));
    expect((await call("GET", `/channels/${channelId}/messages/${message.id}`)).body.content).toBe("edited");
    expect(headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.editMessage.hash);
    expect(headers.get("X-RateLimit-Limit")).toBe("5");
    // The second edit in the channel's window.
    expect(headers.get("X-RateLimit-Remaining")).toBe("3");
  });

  it("checks an edit like a new message: 50035 past the limits, 50006 when it leaves nothing", async () => {
    const { channelId, message } = await channelWithMessage();
    const path = `/channels/${channelId}/messages/${message.id}`;
    const tooLong = await call("PATCH", path, { body: { content: "x".repeat(2001) } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.code).toBe(50035);
    const empty = await call("PATCH", path, { body: { content: "" } });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ message: "Cannot send an empty message", code: 50006 });
  });

  it("refuses to edit another user's message with 50005", async () => {
    const channelId = freshChannel(emulator);
    const ada = emulator.world.requireUser(SEED_MEMBERS[0]!.id);
    const theirs = emulator.world.createMessage(channelId, ada, "mine");
    const { status, body } = await call("PATCH", `/channels/${channelId}/messages/${theirs.id}`, {
      body: { content: "edited" },
    });
    expect(status).toBe(403);
    expect(body).toEqual({ message: "Cannot edit a message authored by another user", code: 50005 });
  });

  it("deletes with 204, after which the message is unknown", async () => {
    const { channelId, message } = await channelWithMessage();
    const deleted = await call("DELETE", `/channels/${channelId}/messages/${message.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect(deleted.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.deleteMessage.hash);
    expect(deleted.headers.get("X-RateLimit-Limit")).toBe("5");
    expect(Number(deleted.headers.get("X-RateLimit-Reset-After"))).toBeLessThanOrEqual(1);
    expect((await call("GET", `/channels/${channelId}/messages/${message.id}`)).status).toBe(404);
  });

  it.each(["GET", "PATCH", "DELETE"])(
    "%s of an unknown message is 404 10008 Unknown Message",
    async (method) => {
      const channelId = freshChannel(emulator);
      const body = method === "PATCH" ? { content: "x" } : undefined;
      const reply = await call(method, `/channels/${channelId}/messages/${UNKNOWN_ID}`, { body });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ message: "Unknown Message", code: 10008 });
    },
  );

  it("a message in an unknown channel is 10003, and a malformed message id 50035", async () => {
    const unknownChannel = await call("GET", `/channels/${UNKNOWN_ID}/messages/${UNKNOWN_ID}`);
    expect(unknownChannel.body).toEqual({ message: "Unknown Channel", code: 10003 });
    const malformed = await call("GET", `/channels/${freshChannel(emulator)}/messages/abc`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toHaveProperty("message_id");
  });

  it("gives deletes 5 per channel per second: the sixth in a window is a user 429", async () => {
    const channelId = freshChannel(emulator);
    const { world } = emulator;
    const replies: RestReply[] = [];
    // Until the first 429; a window that ends on a slow machine only makes the loop longer.
    while (replies.length < 30 && replies.at(-1)?.status !== 429) {
      const id = world.createMessage(channelId, world.application.bot, "bye").id;
      replies.push(await call("DELETE", `/channels/${channelId}/messages/${id}`));
    }
    const limited = replies.at(-1)!;
    expect(limited.status).toBe(429);
    expect(limited.headers.get("X-RateLimit-Scope")).toBe("user");
    expect(limited.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.deleteMessage.hash);
    expect(replies.slice(-6, -1).map((r) => [r.status, r.headers.get("X-RateLimit-Remaining")])).toEqual([
      [204, "4"],
      [204, "3"],
      [204, "2"],
      [204, "1"],
      [204, "0"],
    ]);
  });
});

describe("reactions", () => {
  const reactions = (channelId: string, messageId: string, emoji = THUMBS_UP) =>
    `/channels/${channelId}/messages/${messageId}/reactions/${emoji}`;

  it("PUT @me adds the bot's reaction (204), and the message shows it with me: true", async () => {
    const { channelId, message } = await channelWithMessage();
    const put = await call("PUT", `${reactions(channelId, message.id)}/@me`);
    expect(put.status).toBe(204);
    expect(put.body).toBeNull();
    const { body } = await call("GET", `/channels/${channelId}/messages/${message.id}`);
    expect(body.reactions).toEqual([
      {
        count: 1,
        count_details: { burst: 0, normal: 1 },
        me: true,
        me_burst: false,
        emoji: { id: null, name: "👍" },
        burst_colors: [],
      },
    ]);
  });

  it("share one bucket, one window and one hash across PUT, DELETE and GET", async () => {
    const { channelId, message } = await channelWithMessage();
    const path = reactions(channelId, message.id);
    // Each step is the first request of a new window; the one right after it must be refused.
    const steps: [string, string][] = [
      ["PUT", `${path}/@me`],
      ["DELETE", `${path}/@me`],
      ["GET", path],
      ["DELETE", `${path}/${SEED_MEMBERS[0]!.id}`],
    ];
    // Each route follows the next one in the list and is followed by it, so every method meets another.
    type Step = (typeof steps)[number];
    const pairs: [Step, Step][] = steps.flatMap((step, i): [Step, Step][] => {
      const next = steps[(i + 1) % steps.length]!;
      return [
        [step, next],
        [next, step],
      ];
    });
    for (const [[method, first], [otherMethod, other]] of pairs) {
      const admitted = await call(method, first);
      expect(admitted.status).toBeLessThan(300);
      expect(rateLimitHeaders(admitted)).toMatchObject({
        "x-ratelimit-limit": "1",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-bucket": BUCKETS.reactions.hash,
      });
      const refused = await call(otherMethod, other);
      // Only when both landed in the same 250 ms window (a slow machine may take longer).
      if (refused.headers.get("X-RateLimit-Reset") === admitted.headers.get("X-RateLimit-Reset")) {
        expect(refused.status).toBe(429);
        expect(refused.headers.get("X-RateLimit-Scope")).toBe("user");
        expect(refused.headers.get("X-RateLimit-Bucket")).toBe(BUCKETS.reactions.hash);
        expect(refused.headers.get("Retry-After")).toBe("1");
        expect(refused.body.retry_after).toBeLessThanOrEqual(0.25);
      }
      await afterReset(refused);
    }
    const limited = emulator.rest.counters()[botId()]!.by_route;
    const refusals = Object.entries(limited)
      .filter(([route]) => route.includes("/reactions/"))
      .reduce((sum, [, counts]) => sum + counts.rate_limited, 0);
    // Nearly every pair shares a window; a few may straddle one on a loaded machine.
    expect(refusals).toBeGreaterThanOrEqual(pairs.length / 2);
  });

  it("open a 250 ms window: Reset-After 0.250, and the next request after it is admitted", async () => {
    const { channelId, message } = await channelWithMessage();
    const first = await call("PUT", `${reactions(channelId, message.id)}/@me`);
    expect(first.headers.get("X-RateLimit-Reset-After")).toBe("0.250");
    await afterReset(first);
    const next = await call("DELETE", `${reactions(channelId, message.id)}/@me`);
    expect(next.status).toBe(204);
    expect(next.headers.get("X-RateLimit-Reset-After")).toBe("0.250");
  });

  it("keep one window per channel: a reaction in another channel is not held up", async () => {
    const a = await channelWithMessage();
    const b = await channelWithMessage();
    expect((await call("PUT", `${reactions(a.channelId, a.message.id)}/@me`)).status).toBe(204);
    const other = await call("PUT", `${reactions(b.channelId, b.message.id)}/@me`);
    expect(other.status).toBe(204);
    expect(other.headers.get("X-RateLimit-Remaining")).toBe("0");
  });

  it("list who reacted, by id, with limit and after; other users' reactions are removed by id", async () => {
    const { channelId, message } = await channelWithMessage();
    const [ada, grace] = [SEED_MEMBERS[0]!.id, SEED_MEMBERS[1]!.id];
    const emoji = parseEmoji("👍")!;
    emulator.world.react(channelId, message.id, emoji, grace, true);
    emulator.world.react(channelId, message.id, emoji, ada, true);
    const path = reactions(channelId, message.id);
    const all = await call("GET", path);
    expect(all.status).toBe(200);
    const sorted = [ada, grace].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    expect(all.body.map((u: { id: string }) => u.id)).toEqual(sorted);
    await afterReset(all);
    const page = await call("GET", `${path}?limit=1&after=${sorted[0]}`);
    expect(page.body.map((u: { id: string }) => u.id)).toEqual([sorted[1]]);
    await afterReset(page);
    expect((await call("DELETE", `${path}/${grace}`)).status).toBe(204);
    expect(emulator.world.reactionsOf(channelId, message.id).users(emoji)).toEqual([ada]);
    await sleep(260);
    expect((await call("GET", `${path}?limit=0`)).status).toBe(400);
  });

  it("read a percent-encoded @me in DELETE as the bot", async () => {
    const { channelId, message } = await channelWithMessage();
    await afterReset(await call("PUT", `${reactions(channelId, message.id)}/@me`));
    expect((await call("DELETE", `${reactions(channelId, message.id)}/%40me`)).status).toBe(204);
    expect(emulator.world.requireMessage(channelId, message.id).reactions).toBeUndefined();
  });

  it("take custom emoji as name:id, percent-encoded or not", async () => {
    const { channelId, message } = await channelWithMessage();
    const put = await call("PUT", `${reactions(channelId, message.id, "porch%3A1191168914227200777")}/@me`);
    expect(put.status).toBe(204);
    await afterReset(put);
    const list = await call("GET", reactions(channelId, message.id, "porch:1191168914227200777"));
    expect(list.body).toEqual([expect.objectContaining({ id: botId() })]);
    expect(emulator.world.requireMessage(channelId, message.id).reactions?.[0]?.emoji).toEqual({
      id: "1191168914227200777",
      name: "porch",
    });
  });

  it("answer 10014 Unknown Emoji for a segment that is no emoji, and 10008 for an unknown message", async () => {
    const { channelId, message } = await channelWithMessage();
    const notEmoji = await call("PUT", `${reactions(channelId, message.id, "thumbsup")}/@me`);
    expect(notEmoji.status).toBe(400);
    expect(notEmoji.body).toEqual({ message: "Unknown Emoji", code: 10014 });
    await afterReset(notEmoji);
    const unknown = await call("PUT", `${reactions(channelId, UNKNOWN_ID)}/@me`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ message: "Unknown Message", code: 10008 });
  });

  it("parseEmoji tells unicode and custom emoji from other text", () => {
    expect(parseEmoji("👍")).toEqual({ id: null, name: "👍" });
    expect(parseEmoji("👍🏽")).toEqual({ id: null, name: "👍🏽" });
    expect(parseEmoji("🇫🇷")).toEqual({ id: null, name: "🇫🇷" });
    expect(parseEmoji("1️⃣")).toEqual({ id: null, name: "1️⃣" });
    expect(parseEmoji("a:party:1191168914227200777")).toEqual({
      id: "1191168914227200777",
      name: "party",
      animated: true,
    });
    for (const text of ["", "x", "thumbsup", ":1191168914227200777", "porch:12", "a👍"]) {
      expect(parseEmoji(text)).toBeUndefined();
    }
  });
});

describe("reaction window boundaries (fake clock)", () => {
  it("refuse a second reaction 249 ms into the window and admit one at 250 ms", async () => {
    let now = 1_700_000_000_000;
    const world = createSeededWorld();
    const rest = createRest({
      world,
      config: resolveConfig(),
      urls: urlsFor("127.0.0.1", 1),
      now: () => now,
    });
    const channelId = world.createGuild({ name: "clock", channelNames: ["clock"] }).channelIds[0]!;
    const message = world.createMessage(channelId, world.application.bot, "tick");
    const path = `/channels/${channelId}/messages/${message.id}/reactions/${THUMBS_UP}/@me`;
    const send = (method: string) =>
      rest.app.request(path, { method, headers: { authorization: `Bot ${world.application.botToken}` } });
    expect((await send("PUT")).status).toBe(204);
    now += 249;
    const refused = await send("DELETE");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("X-RateLimit-Reset-After")).toBe("0.001");
    now += 1;
    const admitted = await send("DELETE");
    expect(admitted.status).toBe(204);
    expect(admitted.headers.get("X-RateLimit-Reset")).toBe(((now + 250) / 1000).toFixed(3));
  });
});

describe("POST /channels/:channel_id/messages with files (multipart/form-data)", () => {
  let rest: REST;
  beforeAll(() => {
    rest = new REST({ api: emulator.urls.api, handlerSweepInterval: 0, hashSweepInterval: 0 }).setToken(
      emulator.world.application.botToken,
    );
  });

  it("takes an unmodified @discordjs/rest upload: payload_json plus files[n], sizes as received", async () => {
    const channelId = freshChannel(emulator);
    const text = Buffer.from("hello, porch\n");
    const bytes = Buffer.alloc(70_000, 7);
    const message = (await rest.post(Routes.channelMessages(channelId), {
      body: { content: "with files" },
      files: [
        { name: "note.txt", data: text },
        { name: "blob.bin", data: bytes, contentType: "application/x-porch" },
      ],
    })) as APIMessage;
    expect(message.content).toBe("with files");
    expect(message.attachments).toEqual([
      {
        id: expect.stringMatching(/^\d{17,20}$/),
        filename: "note.txt",
        size: text.length,
        content_type: "text/plain; charset=utf-8",
        url: expect.stringContaining(`/attachments/${channelId}/`),
        proxy_url: expect.stringContaining(`/attachments/${channelId}/`),
      },
      expect.objectContaining({ filename: "blob.bin", size: 70_000, content_type: "application/x-porch" }),
    ]);
    expect(message.attachments[0]!.url).toMatch(new RegExp(`/${message.attachments[0]!.id}/note\\.txt$`));
    // Stored like any other message.
    expect(emulator.world.requireMessage(channelId, message.id).attachments).toEqual(message.attachments);
  });

  it("lets payload_json's attachments rename and describe files[n]; files alone are not an empty message", async () => {
    const channelId = freshChannel(emulator);
    const message = (await rest.post(Routes.channelMessages(channelId), {
      body: { attachments: [{ id: 0, filename: "renamed.txt", description: "a note" }] },
      files: [{ name: "original.txt", data: Buffer.from("x") }],
    })) as APIMessage;
    expect(message.content).toBe("");
    expect(message.attachments).toEqual([
      expect.objectContaining({ filename: "renamed.txt", description: "a note", size: 1 }),
    ]);
  });

  it("answers 50109 for payload_json that is not JSON, and checks its fields as JSON bodies", async () => {
    const channelId = freshChannel(emulator);
    const send = async (payload: string) => {
      const form = new FormData();
      form.append("payload_json", payload);
      form.append("files[0]", new Blob(["x"]), "x.txt");
      const res = await fetch(`${emulator.urls.api}/v10/channels/${channelId}/messages`, {
        method: "POST",
        headers: { authorization: `Bot ${emulator.world.application.botToken}` },
        body: form,
      });
      return { status: res.status, body: await res.json() };
    };
    expect(await send("{nope")).toEqual({
      status: 400,
      body: { message: "The request body contains invalid JSON.", code: 50109 },
    });
    const tooLong = await send(JSON.stringify({ content: "x".repeat(2001) }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.code).toBe(50035);
  });

  it("refuses more than 10 files with 50035", async () => {
    const channelId = freshChannel(emulator);
    const files = Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from("x") }));
    await expect(
      rest.post(Routes.channelMessages(channelId), { body: { content: "many" }, files }),
    ).rejects.toMatchObject({
      status: 400,
      code: 50035,
    });
  });
});
