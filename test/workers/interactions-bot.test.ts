import { describe, expect, it } from "vitest";
import type { KvWriteResult } from "../../durable-objects/user-presence/index.ts";
import type { CommandOption } from "../../schemas/interactions.ts";
import { COMMANDS, RESET_CANCEL_ID, RESET_CONFIRM_ID } from "../../workers/bot/commands.ts";
import { failure } from "../../workers/bot/handlers.ts";
import { clip, codeBlock, MAX_CONTENT_LENGTH, preview, replies } from "../../workers/bot/replies.ts";
import { commandAction, commandPath, componentAction, routeInteraction } from "../../workers/bot/router.ts";
import { hexBytes, isPublicKey, verifyInteraction } from "../../workers/bot/signature.ts";
import { group, sign, sub, text } from "./interactions-helpers.ts";

/** The bot's pure parts, without the Worker: routing, replies, error wording, signatures. */

const PUBLIC_KEY = "cb74a0ea6e563f560d6c9dc1495fbb25069d8f6ff3503cb33037bdbf0aa8adb6";
const ALICE = "72000000000000001";

/** Every leaf of the registered commands, as the option tree Discord sends when it is invoked. */
function invocations(): { name: string; options: CommandOption[] }[] {
  const out: { name: string; options: CommandOption[] }[] = [];
  const valuesOf = (options: readonly { name: string; type: number }[] = []) =>
    options.filter((o) => o.type === 3).map((o) => text(o.name, "v"));
  for (const command of COMMANDS) {
    const top = "options" in command ? command.options : [];
    if (!top.some((o) => o.type === 1 || o.type === 2))
      out.push({ name: command.name, options: valuesOf(top) });
    for (const option of top) {
      if (option.type === 1)
        out.push({ name: command.name, options: [sub(option.name, valuesOf(option.options))] });
      if (option.type === 2)
        for (const leaf of option.options)
          out.push({
            name: command.name,
            options: [group(option.name, [sub(leaf.name, valuesOf(leaf.options))])],
          });
    }
  }
  return out;
}

describe("command routing", () => {
  it("every command the bot registers routes to an action of its own", () => {
    const kinds = invocations().map(({ name, options }) => commandAction(name, options).kind);
    expect(kinds).toEqual([
      "ping",
      "token_create",
      "token_revoke",
      "set",
      "get",
      "delete",
      "list",
      "reset_ask",
    ]);
  });

  it("flattens groups and subcommands into a path and reads the leaf's options", () => {
    expect(commandPath("storage", [group("token", [sub("create")])])).toEqual({
      path: "storage token create",
      values: {},
    });
    expect(commandPath("storage", [sub("set", [text("key", "k"), text("value", "v")])])).toEqual({
      path: "storage set",
      values: { key: "k", value: "v" },
    });
    expect(commandAction("storage", [sub("set", [text("key", "k"), text("value", "")])])).toEqual({
      kind: "set",
      key: "k",
      value: "",
    });
  });

  it("names what it does not know, including a known command missing an option", () => {
    expect(commandAction("nope")).toEqual({ kind: "unknown", name: "/nope" });
    expect(commandAction("constructor")).toEqual({ kind: "unknown", name: "/constructor" });
    expect(commandAction("storage", [sub("get")])).toEqual({ kind: "unknown", name: "/storage get" });
    expect(commandAction("storage")).toEqual({ kind: "unknown", name: "/storage" });
    expect(componentAction(RESET_CONFIRM_ID)).toEqual({ kind: "reset_confirm" });
    expect(componentAction(RESET_CANCEL_ID)).toEqual({ kind: "reset_cancel" });
    expect(componentAction("x")).toEqual({ kind: "unknown", name: "the button x" });
  });

  it("takes the user from the member in a guild and from the user in a DM", () => {
    const data = { name: "ping" };
    expect(routeInteraction({ type: 1 })).toEqual({ kind: "pong" });
    expect(routeInteraction({ type: 2, data, member: { user: { id: ALICE } } })).toEqual({
      kind: "act",
      userId: ALICE,
      action: { kind: "ping" },
    });
    expect(routeInteraction({ type: 2, data, user: { id: ALICE } })).toMatchObject({ userId: ALICE });
    expect(routeInteraction({ type: 2, data })).toEqual({
      kind: "refuse",
      reason: "the interaction names no user",
    });
    expect(routeInteraction({ type: 5, user: { id: ALICE } })).toMatchObject({ kind: "refuse" });
    expect(
      routeInteraction({ type: 3, data: { custom_id: RESET_CANCEL_ID }, user: { id: ALICE } }),
    ).toMatchObject({
      action: { kind: "reset_cancel" },
    });
  });
});

describe("replies", () => {
  it("fit Discord's 2000 characters however long the value", () => {
    expect(clip("x".repeat(2500))).toHaveLength(MAX_CONTENT_LENGTH);
    const shown = replies.value("k", "y".repeat(30_000));
    const content = (shown as { data: { content: string } }).data.content;
    expect(content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    expect(content).toContain("…and 28500 more characters");
  });

  it("keep a stored value inside its code block and a list preview on one line", () => {
    expect(codeBlock("a```b")).toBe("```\na`\u200b`\u200b`b\n```");
    expect(preview("one\n two\tthree `x`")).toBe("one two three 'x'");
    expect(preview("z".repeat(100))).toBe(`${"z".repeat(59)}…`);
  });

  it("word refused writes for the user: not monitored, rate limited, missing key, a limit", () => {
    const refused = (code: string, message = "", retry_after?: number) =>
      ({ ok: false, status: 400, code, message, retry_after }) as Extract<KvWriteResult, { ok: false }>;
    const words = (reply: unknown) => (reply as { data: { content: string } }).data.content;
    const set = { kind: "set" as const, key: "k", value: "v" };
    expect(words(failure(refused("user_not_monitored"), set))).toContain("Join that server");
    expect(words(failure(refused("rate_limited", "", 7), set))).toBe(
      "You're writing too fast: try again in 7 s.",
    );
    expect(words(failure(refused("key_not_found"), { kind: "delete", key: "k", mustExist: true }))).toBe(
      "You have no key `k`.",
    );
    expect(words(failure(refused("too_many_pairs", "A user keeps at most 512 pairs."), set))).toBe(
      "A user keeps at most 512 pairs.",
    );
  });
});

describe("signatures", () => {
  const now = 1_800_000_000_000;
  const at = String(now / 1000);

  it("accept Discord's signature over timestamp and body, and nothing else", async () => {
    const signature = await sign(at, "{}");
    const verify = (sig: string | null, ts: string | null, body = "{}", clock = now) =>
      verifyInteraction(PUBLIC_KEY, { signature: sig, timestamp: ts }, body, clock);
    expect(await verify(signature, at)).toEqual({ ok: true });
    expect(await verify(signature.toUpperCase(), at)).toEqual({ ok: true });
    expect(await verify(signature, at, "{ }")).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verify(signature, String(now / 1000 + 1))).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verify(null, at)).toEqual({ ok: false, reason: "missing_signature" });
    expect(await verify(signature, "")).toEqual({ ok: false, reason: "missing_signature" });
    expect(await verify(signature, "1.5")).toEqual({ ok: false, reason: "malformed_signature" });
    expect(await verify(signature.slice(2), at)).toEqual({ ok: false, reason: "malformed_signature" });
    expect(await verify(signature, at, "{}", now + 300_000)).toEqual({ ok: true });
    expect(await verify(signature, at, "{}", now + 301_000)).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
    expect(await verify(signature, at, "{}", now - 301_000)).toEqual({
      ok: false,
      reason: "stale_timestamp",
    });
  });

  it("read keys and signatures as exact-length hex", () => {
    expect(isPublicKey(PUBLIC_KEY)).toBe(true);
    expect(isPublicKey(PUBLIC_KEY.toUpperCase())).toBe(true);
    expect(isPublicKey(PUBLIC_KEY.slice(1))).toBe(false);
    expect(isPublicKey(`${PUBLIC_KEY.slice(2)}zz`)).toBe(false);
    expect(hexBytes("00ff", 2)).toEqual(new Uint8Array([0, 255]));
    expect(hexBytes("00ff", 3)).toBeNull();
  });
});
