import { describe, expect, it } from "vitest";
import { decideClaim, IDEMPOTENCY_TTL_MS } from "../../durable-objects/idempotency.ts";
import { ChannelMessage, embedCharacters, MESSAGE_LIMITS } from "../../schemas/messages.ts";
import { fromDiscord, fromProxy, proxyRateLimited } from "../../workers/messages/errors.ts";
import { guildChannel } from "../../workers/messages/routes.ts";

// The message API's pure parts: the error table, idempotency decisions, the limits and channel shaping.

describe("the error table", () => {
  it.each([
    [400, 400, "discord_error"],
    [401, 503, "discord_unavailable"],
    [403, 403, "discord_error"],
    [404, 404, "discord_error"],
    [405, 500, "internal"],
    [429, 429, "rate_limited"],
    [500, 502, "discord_unavailable"],
    [503, 502, "discord_unavailable"],
  ])("maps Discord's %i to %i %s, keeping Discord's status, code and text", (status, http, type) => {
    const failure = fromDiscord(status, { code: 10003, message: "Unknown Channel" });
    expect(failure.httpStatus).toBe(http);
    expect(failure.body.error).toMatchObject({ type, status, code: 10003, text: "Unknown Channel" });
  });

  it.each([
    ["unauthorized", 401, "unauthorized"],
    ["upstream_failure", 502, "discord_unavailable"],
    ["upstream_timeout", 504, "timeout"],
    ["proxy_timeout", 504, "timeout"],
    ["locked", 503, "discord_unavailable"],
    ["banned", 503, "discord_unavailable"],
    ["invalid_request_budget", 503, "discord_unavailable"],
    ["invalid_headers", 400, "invalid_input"],
  ] as const)("maps the proxy's %s to %i %s", (code, http, type) => {
    const failure = fromProxy(code, "why");
    expect(failure.httpStatus).toBe(http);
    expect(failure.body.error).toMatchObject({ type, code, text: "why" });
  });

  it("carries retry_after for a rate limit, and a body that is not Discord's still gets a text", () => {
    expect(proxyRateLimited(2.5).body.error).toMatchObject({ type: "rate_limited", retry_after: 2.5 });
    expect(
      fromDiscord(429, { retry_after: 1.2, message: "You are being rate limited." }).body.error.retry_after,
    ).toBe(1.2);
    expect(fromDiscord(502, null).body.error).toMatchObject({ code: 0, text: "Discord answered 502" });
  });
});

describe("idempotency", () => {
  const send = (answer: { status: number; body: string } | null, pendingUntil = 2_000) => ({
    fingerprint: "f",
    answer,
    pendingUntil,
    expiresAt: IDEMPOTENCY_TTL_MS,
  });

  it("lets a new key go, replays a finished send, holds one in flight and refuses another request under the key", () => {
    expect(decideClaim(null, "f", 0)).toEqual({ kind: "new" });
    expect(decideClaim(send({ status: 200, body: "{}" }), "f", 1)).toEqual({
      kind: "replay",
      status: 200,
      body: "{}",
    });
    expect(decideClaim(send(null), "f", 1_999)).toEqual({ kind: "in_progress" });
    expect(decideClaim(send(null), "g", 1)).toEqual({ kind: "mismatch" });
  });

  it("lets a retry go once a silent claim lapses, and forgets keys after a day", () => {
    expect(decideClaim(send(null), "f", 2_000)).toEqual({ kind: "new" });
    expect(decideClaim(send({ status: 200, body: "{}" }), "g", IDEMPOTENCY_TTL_MS)).toEqual({ kind: "new" });
  });
});

describe("limits", () => {
  it("counts embed characters as Discord does, over titles, descriptions, fields, footers and authors", () => {
    expect(
      embedCharacters([
        {
          title: "ab",
          description: "cde",
          footer: { text: "f" },
          author: { name: "gh" },
          fields: [{ name: "i", value: "jk" }],
        },
      ]),
    ).toBe(11);
  });

  it("takes 6,000 embed characters and refuses 6,001", () => {
    const at = { embeds: [{ description: "x".repeat(4_000) }, { description: "x".repeat(2_000) }] };
    expect(ChannelMessage.safeParse(at).success).toBe(true);
    const over = { embeds: [{ description: "x".repeat(4_000) }, { description: "x".repeat(2_001) }] };
    expect(ChannelMessage.safeParse(over).error?.issues[0]).toMatchObject({ path: ["embeds"] });
    expect(MESSAGE_LIMITS.embedCharacters).toBe(6_000);
  });
});

describe("guild channels", () => {
  it("keeps what an application picks a channel by, with its category", () => {
    expect(
      guildChannel({
        id: "1191168914227200003",
        type: 0,
        name: "general",
        parent_id: "1191168914227200009",
        position: 2,
        guild_id: "x",
      } as never),
    ).toEqual({
      id: "1191168914227200003",
      name: "general",
      type: 0,
      parent_id: "1191168914227200009",
      position: 2,
    });
  });
});
