import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { callControl, callRest, freshChannel } from "./rest-helpers.ts";

// Discord's nonce de-duplication, and what the control API shows of messages.

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  await emulator.close();
});

describe("enforce_nonce", () => {
  it("returns the earlier message for the same nonce, and posts again without enforce_nonce", async () => {
    const channel = freshChannel(emulator);
    const send = (body: object) => callRest(emulator, "POST", `/channels/${channel}/messages`, { body });
    const first = await send({ content: "once", nonce: "n-1", enforce_nonce: true });
    const again = await send({ content: "once", nonce: "n-1", enforce_nonce: true });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(first.body.nonce).toBe("n-1");
    const unenforced = await send({ content: "twice", nonce: "n-1" });
    expect(unenforced.body.id).not.toBe(first.body.id);
    const other = await send({ content: "other", nonce: 42, enforce_nonce: true });
    expect(other.body.id).not.toBe(first.body.id);
    expect(emulator.world.requireChannel(channel).messages).toHaveLength(3);
  });

  it("forgets a nonce after the window", () => {
    const channel = freshChannel(emulator);
    const bot = emulator.world.requireUser(emulator.world.application.bot.id);
    const sent = emulator.world.createMessage(channel, bot, "old", { nonce: "n-2" });
    const later = Date.parse(sent.timestamp) + 5 * 60_000 + 1;
    expect(emulator.world.messageWithNonce(channel, bot.id, "n-2", later)).toBeNull();
    expect(emulator.world.messageWithNonce(channel, bot.id, "n-2", later - 2)).toMatchObject({ id: sent.id });
  });
});

describe("messages in the control API", () => {
  it("lists a channel's messages and every DM channel with its messages in /state", async () => {
    const channel = freshChannel(emulator);
    await callRest(emulator, "POST", `/channels/${channel}/messages`, { body: { content: "hello" } });
    const listed = await callControl(emulator, "GET", `/channels/${channel}/messages`);
    expect(listed.body.messages).toMatchObject([
      { content: "hello", author_id: emulator.world.application.bot.id },
    ]);
    expect((await callControl(emulator, "GET", "/channels/1191168914227299999/messages")).status).toBe(404);
    expect((await callControl(emulator, "GET", "/channels/nope/messages")).status).toBe(400);

    const ada = SEED_MEMBERS[0]!.id;
    const dm = await callRest(emulator, "POST", "/users/@me/channels", { body: { recipient_id: ada } });
    await callRest(emulator, "POST", `/channels/${dm.body.id}/messages`, { body: { content: "hi Ada" } });
    const state = await callControl(emulator, "GET", "/state");
    expect(state.body.dm_channels).toContainEqual(
      expect.objectContaining({
        id: dm.body.id,
        recipient_id: ada,
        messages: [expect.objectContaining({ content: "hi Ada" })],
      }),
    );
  });
});
