import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { KvWriteResult } from "../../durable-objects/user-presence/index.ts";
import type { KvOperation } from "../../durable-objects/user-presence/kv.ts";
import { KV_LIMITS } from "../../schemas/kv.ts";
import { RESET_CANCEL_ID, RESET_CONFIRM_ID } from "../../workers/bot/commands.ts";
import { BASE, get } from "./helpers.ts";
import {
  button,
  command,
  content,
  group,
  monitoredUser,
  type Reply,
  reply,
  storage,
  strangerId,
  sub,
} from "./interactions-helpers.ts";
import { connected } from "./socket-client.ts";

/** Every command and button of the bot through POST /interactions, against the real objects. */

const tokenCreate = (userId: string, place: "guild" | "dm" = "guild") =>
  command(userId, "storage", [group("token", [sub("create")])], place);
const tokenRevoke = (userId: string) => command(userId, "storage", [group("token", [sub("revoke")])]);
const tokenIn = (r: Reply) => /pl_[A-Za-z0-9_-]{43}/.exec(content(r))?.[0];

const putLanyard = (token: string, key: string, value: string) =>
  exports.default.fetch(`${BASE}/v1/users/@me/kv/${key}`, {
    method: "PUT",
    headers: { Authorization: token },
    body: value,
  });
const pairsOf = async (id: string) =>
  ((await (await get(`/v1/users/${id}`)).json()) as { data: { kv: Record<string, string> } }).data.kv;

/** A write straight to the user's object, as the bot's would be, to set up a test quickly. */
async function direct(userId: string, op: KvOperation): Promise<KvWriteResult> {
  const result: unknown = await env.USER_PRESENCE.getByName(userId).writeKv({ owner: true }, op);
  return result as KvWriteResult;
}

describe("/ping", () => {
  it("answers in a guild and in a DM, whoever asks", async () => {
    expect(content(await reply(command(strangerId(), "ping")))).toContain("Pong");
    expect(content(await reply(command(strangerId(), "ping", [], "dm")))).toContain("Pong");
  });
});

describe("/storage token", () => {
  it("create shows a token once, with how to use it; the token writes through both APIs", async () => {
    const id = await monitoredUser();
    const answer = await reply(tokenCreate(id));
    expect(answer).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(content(answer)).toContain("shown only this once");
    expect(content(answer)).toContain("replaces any token you had");
    expect(content(answer)).toContain(`${BASE}/v1/users/@me/kv/<key>`);
    expect(content(answer)).toContain(`${BASE}/api/v1/users/${id}/storage/<key>`);
    const token = tokenIn(answer)!;
    expect(token).toBeDefined();

    expect((await putLanyard(token, "city", "Lisbon")).status).toBe(204);
    const lantern = await exports.default.fetch(`${BASE}/api/v1/users/${id}/storage/mood?value=calm`, {
      method: "PUT",
      headers: { Authorization: token },
    });
    expect(lantern.status).toBe(200);
    expect(await pairsOf(id)).toEqual({ city: "Lisbon", mood: "calm" });
  });

  it("a second create replaces the first token; revoke ends the second", async () => {
    const id = await monitoredUser();
    const first = tokenIn(await reply(tokenCreate(id)))!;
    const second = tokenIn(await reply(tokenCreate(id, "dm")))!;
    expect(second).not.toBe(first);
    expect((await putLanyard(first, "k", "v")).status).toBe(401);
    expect((await putLanyard(second, "k", "v")).status).toBe(204);

    expect(content(await reply(tokenRevoke(id)))).toContain("revoked");
    expect((await putLanyard(second, "k", "w")).status).toBe(401);
    expect(content(await reply(tokenRevoke(id)))).toContain("nothing to revoke");
  });

  it("tells someone who is not monitored to join the monitored server, and issues nothing", async () => {
    const answer = await reply(tokenCreate(strangerId()));
    expect(content(answer)).toContain("Join that server");
    expect(tokenIn(answer)).toBeUndefined();
  });
});

describe("/storage set, get, delete, list", () => {
  it("set, get, list and delete a key, and REST sees every change at once", async () => {
    const id = await monitoredUser();
    await get(`/api/v1/users/${id}`); // cached now: the bot's writes must purge it
    expect(content(await reply(storage(id, "set", { key: "city", value: "Porto" })))).toBe("Saved `city`.");
    expect(await pairsOf(id)).toEqual({ city: "Porto" });
    expect(content(await reply(storage(id, "set", { key: "city", value: "Porto" })))).toContain(
      "already had that value",
    );
    expect(content(await reply(storage(id, "get", { key: "city" })))).toBe("`city`:\n```\nPorto\n```");
    expect(content(await reply(storage(id, "get", { key: "zip" })))).toBe("You have no key `zip`.");

    await reply(storage(id, "set", { key: "mood", value: "sunny\nand warm" }, "dm"));
    expect(content(await reply(storage(id, "list")))).toBe(
      "Your 2 keys:\n`city` Porto\n`mood` sunny and warm",
    );

    expect(content(await reply(storage(id, "delete", { key: "city" })))).toBe("Deleted `city`.");
    expect(content(await reply(storage(id, "delete", { key: "city" })))).toBe("You have no key `city`.");
    expect(await pairsOf(id)).toEqual({ mood: "sunny\nand warm" });
    // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
    expect(((await (await get(`/api/v1/users/${id}`)).json()) as any).storage).toEqual({
      mood: "sunny\nand warm",
    });
  });

  it("list says how to start when there is nothing, and stays within Discord's 2000 characters", async () => {
    const id = await monitoredUser();
    expect(content(await reply(storage(id, "list")))).toContain("You have no keys yet");
    const pairs = Object.fromEntries(
      Array.from({ length: KV_LIMITS.maxPairs }, (_, i) => [
        `key_${String(i).padStart(3, "0")}`,
        "v".repeat(500),
      ]),
    );
    expect((await direct(id, { kind: "merge", pairs })).ok).toBe(true);
    const listed = content(await reply(storage(id, "list")));
    expect(listed.length).toBeLessThanOrEqual(2000);
    expect(listed).toMatch(/^Your 512 keys:\n`key_000` v+…\n/);
    expect(listed).toMatch(/…and \d+ more\.$/);
  });

  it("a bot write reaches a subscribed Lantern socket as STORAGE_UPDATE", async () => {
    const id = await monitoredUser();
    const socket = await connected();
    socket.send({ op: 2, d: { user_id: id } });
    expect(await socket.next()).toMatchObject({ op: 3 });
    await reply(storage(id, "set", { key: "song", value: "la" }));
    expect(await socket.next()).toMatchObject({
      t: "STORAGE_UPDATE",
      op: 10,
      d: { storage: { song: "la" } },
    });
    socket.ws.close();
  });
});

describe("/storage reset", () => {
  const buttonsOf = (r: Reply) => r.data?.components?.[0]?.components.map((c) => [c.custom_id, c.style]);

  it("asks first, with a confirm and a cancel button; cancel keeps everything", async () => {
    const id = await monitoredUser();
    await direct(id, { kind: "merge", pairs: { a: "1", b: "2" } });
    const question = await reply(storage(id, "reset"));
    expect(content(question)).toContain("Delete all 2 keys");
    expect(buttonsOf(question)).toEqual([
      [RESET_CONFIRM_ID, 4],
      [RESET_CANCEL_ID, 2],
    ]);
    expect(await pairsOf(id)).toEqual({ a: "1", b: "2" });

    const cancelled = await reply(button(id, RESET_CANCEL_ID));
    expect(cancelled).toEqual({
      type: 7,
      data: { content: "Cancelled: nothing was deleted.", components: [], allowed_mentions: { parse: [] } },
    });
    expect(await pairsOf(id)).toEqual({ a: "1", b: "2" });
  });

  it("confirm deletes every key and replaces the question; pressing it again finds nothing", async () => {
    const id = await monitoredUser();
    await direct(id, { kind: "merge", pairs: { a: "1" } });
    expect(content(await reply(storage(id, "reset", {}, "dm")))).toContain("Delete all 1 key ");
    const done = await reply(button(id, RESET_CONFIRM_ID));
    expect(done).toMatchObject({
      type: 7,
      data: { content: "Deleted every key of your storage.", components: [] },
    });
    expect(await pairsOf(id)).toEqual({});
    expect((await get(`/api/v1/users/${id}/storage`)).status).toBe(404);
    expect(content(await reply(button(id, RESET_CONFIRM_ID)))).toBe("Your storage was already empty.");
    expect(content(await reply(storage(id, "reset")))).toBe("Your storage is already empty.");
  });
});

describe("friendly errors", () => {
  it("not monitored: every storage command says to join the monitored server", async () => {
    const id = strangerId();
    for (const payload of [
      storage(id, "set", { key: "k", value: "v" }),
      storage(id, "get", { key: "k" }),
      storage(id, "delete", { key: "k" }),
      storage(id, "list"),
      storage(id, "reset"),
      button(id, RESET_CONFIRM_ID),
    ]) {
      expect(content(await reply(payload))).toContain("Join that server, then try again.");
    }
  });

  it("a broken limit is answered with the limit's own message, and nothing is written", async () => {
    const id = await monitoredUser();
    expect(content(await reply(storage(id, "set", { key: "bad-key", value: "v" })))).toBe(
      "Key must be 1 to 255 letters, digits or underscores.",
    );
    const long = "x".repeat(KV_LIMITS.maxValueLength + 1);
    expect(content(await reply(storage(id, "set", { key: "k", value: long })))).toBe(
      `A value is at most 30000 characters; this one has ${long.length}.`,
    );
    const full = Object.fromEntries(Array.from({ length: KV_LIMITS.maxPairs }, (_, i) => [`k${i}`, "v"]));
    expect((await direct(id, { kind: "merge", pairs: full })).ok).toBe(true);
    expect(content(await reply(storage(id, "set", { key: "one_more", value: "v" })))).toBe(
      "A user keeps at most 512 pairs.",
    );
    expect(Object.keys(await pairsOf(id))).toHaveLength(KV_LIMITS.maxPairs);
  });

  it("rate limited: says when to try again", async () => {
    const id = await monitoredUser();
    let result: KvWriteResult;
    do result = await direct(id, { kind: "set", key: "k", value: "v" });
    while (result.ok);
    expect(content(await reply(storage(id, "set", { key: "k", value: "w" })))).toMatch(
      /^You're writing too fast: try again in \d+ s\.$/,
    );
  });

  it("an unknown command, subcommand or button is named, with a hint", async () => {
    const id = await monitoredUser();
    expect(content(await reply(command(id, "frobnicate")))).toContain("I don't know /frobnicate.");
    expect(content(await reply(storage(id, "frob")))).toContain("I don't know /storage frob.");
    expect(content(await reply(command(id, "storage", [sub("set", [])])))).toContain("/storage set");
    expect(content(await reply(button(id, "something:else")))).toContain(
      "I don't know the button something:else.",
    );
  });
});
