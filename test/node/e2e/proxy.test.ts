import { createHash } from "node:crypto";
import { DiscordAPIError, REST } from "@discordjs/rest";
import { type RESTPostAPIChannelMessageResult, Routes } from "discord-api-types/v10";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startWorkerStack, type WorkerStack } from "../../../bench/lib/stack.ts";
import { proxyVarsFor } from "../../../scripts/lib/local-stack.ts";

/**
 * The REST proxy end to end: unmodified @discordjs/rest, given only the proxy's URL and a proxy
 * key, through the Worker under wrangler dev (as `npm start` runs it) to the emulator over real
 * HTTP. The emulator's counters say what Discord saw: every 429 it sent, every invalid answer.
 * Tests that stop the bot (the 401 lock, a Cloudflare ban, the spent budget) run last, in that order.
 */

const KEY = "plk_e2e-proxy-key-0123456789abcdefghijklmnopqrstuvwx";
const ADMIN = "plk_e2e-admin-key-0123456789abcdefghijklmnopqrstuvwx";
const GLOBAL_PER_SECOND = 20;
const BUDGET = 10;
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

let stack: WorkerStack;
let control: string;
let botId: string;
/** Everything the Worker printed (wrangler dev's output, the objects' logs included). */
const workerLines: string[] = [];

interface Counters {
  requests: number;
  rate_limited: { user: number; global: number; shared: number };
  invalid: number;
  cloudflare_banned: number;
}

beforeAll(async () => {
  const print = console.log.bind(console);
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    const line = args.map(String).join(" ");
    if (line.startsWith("[worker]")) workerLines.push(line);
    else print(...args);
  });
  stack = await startWorkerStack({
    echo: true,
    emulator: { restGlobalPerSecond: GLOBAL_PER_SECOND },
    workerVars: (emulator) => ({
      ...proxyVarsFor({ http: emulator.urls.http, token: emulator.world.application.botToken }, KEY),
      PROXY_ADMIN_KEYS: sha256(ADMIN),
      PROXY_GLOBAL_PER_SECOND: String(GLOBAL_PER_SECOND),
      PROXY_INVALID_BUDGET: String(BUDGET),
    }),
  });
  control = stack.emulator.urls.control;
  botId = stack.emulator.world.application.bot.id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

beforeEach(async () => {
  await post("/rest/faults", null, "DELETE");
});

async function post(path: string, body: unknown, method = "POST"): Promise<unknown> {
  const response = await fetch(`${control}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === null ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

const counters = (): Counters => {
  const all = stack.emulator.rest.counters() as unknown as Record<string, Counters>;
  return (
    all[botId] ?? {
      requests: 0,
      rate_limited: { user: 0, global: 0, shared: 0 },
      invalid: 0,
      cloudflare_banned: 0,
    }
  );
};

/** What an application does: @discordjs/rest with the proxy as its API and the key as its token. */
const client = () =>
  new REST({ api: `${stack.worker.url}/proxy/api`, headers: { "X-Porchlight-Key": KEY } }).setToken(KEY);

async function channels(name: string, count: number): Promise<string[]> {
  const guild = (await post("/guilds", {
    name: `proxy ${name}`,
    channels: Array.from({ length: count }, (_, n) => `${name}-${n}`),
  })) as { channels: string[] };
  return guild.channels;
}

/**
 * An interaction as Discord delivers one; the stack's Worker has no DISCORD_PUBLIC_KEY, so its
 * /interactions answers 503 and the interaction waits for a callback.
 */
async function deliverInteraction(): Promise<{ id: string; token: string }> {
  const delivered = (await post("/interactions", {
    user_id: stack.emulator.world.guilds.get(stack.guildId)!.members.keys().next().value,
    guild_id: stack.guildId,
    url: `${stack.worker.url}/interactions`,
    data: { name: "ping" },
  })) as { interaction: { id: string; token: string } };
  return delivered.interaction;
}

const metrics = async () =>
  (
    await fetch(`${stack.worker.url}/proxy/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })
  ).text();

const raw = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.worker.url}/proxy/api/v10${path}`, {
    ...init,
    headers: { authorization: `Bot ${KEY}`, ...(init.headers as Record<string, string>) },
  });

describe("a burst from several unmodified @discordjs/rest clients", () => {
  it("succeeds whole across many channels and routes, and Discord sends the bot no 429", async () => {
    const targets = await channels("burst", 6);
    const reactOn = (await client().post(Routes.channelMessages(targets[0]!), {
      body: { content: "react here" },
    })) as RESTPostAPIChannelMessageResult;
    const before = counters();
    // Four clients, as four services would be: none knows what the others spend.
    const clients = [client(), client(), client(), client()];
    const work: Promise<unknown>[] = [];
    for (const [n, rest] of clients.entries()) {
      for (const channel of targets) {
        work.push(rest.post(Routes.channelMessages(channel), { body: { content: `from client ${n}` } }));
        work.push(rest.post(Routes.channelMessages(channel), { body: { content: `again from ${n}` } }));
      }
      for (let i = 0; i < 8; i++) work.push(rest.get(Routes.user(botId)));
      work.push(
        rest.put(Routes.channelMessageOwnReaction(targets[0]!, reactOn.id, encodeURIComponent("👍"))),
      );
      work.push(
        rest.delete(Routes.channelMessageOwnReaction(targets[0]!, reactOn.id, encodeURIComponent("👍"))),
      );
    }
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const after = counters();
    expect(after.requests - before.requests).toBe(work.length);
    expect(after.rate_limited).toEqual(before.rate_limited);
  }, 60_000);

  it("sends multipart bodies with files as they came", async () => {
    const [channel] = await channels("files", 1);
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, n) => n % 251));
    const message = (await client().post(Routes.channelMessages(channel!), {
      body: { content: "with a file" },
      files: [{ name: "bytes.bin", data }],
    })) as RESTPostAPIChannelMessageResult;
    expect(message.content).toBe("with a file");
    expect(message.attachments).toMatchObject([{ filename: "bytes.bin", size: data.byteLength }]);
  });

  it("sends interaction callbacks and follow-ups with their own tokens, never the bot's", async () => {
    const interaction = await deliverInteraction();
    const rest = client();
    const bot = counters().requests;
    const webhooks = () =>
      (stack.emulator.rest.counters() as unknown as Record<string, Counters>).webhooks?.requests ?? 0;
    const before = webhooks();
    await rest.post(Routes.interactionCallback(interaction.id, interaction.token), {
      body: { type: 4, data: { content: "pong" } },
      auth: false,
    });
    const followUp = (await rest.post(
      Routes.webhook(stack.emulator.world.application.id, interaction.token),
      {
        body: { content: "and one more" },
        auth: false,
      },
    )) as RESTPostAPIChannelMessageResult;
    expect(followUp.content).toBe("and one more");
    // Counted by the emulator as webhook traffic (no bot token on them), none as the bot's.
    expect(webhooks() - before).toBe(2);
    expect(counters().requests).toBe(bot);
  });

  it("refuses a wrong key with 401 before Discord hears of it", async () => {
    const before = counters().requests;
    const wrong = new REST({ api: `${stack.worker.url}/proxy/api`, retries: 0 }).setToken("plk_wrong");
    const error = await wrong.get(Routes.user("@me")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).status).toBe(401);
    expect(counters().requests).toBe(before);
  });
});

describe("Discord's refusals", () => {
  it("waits out a shared-scope 429, which never counts toward the invalid-request budget", async () => {
    const [channel] = await channels("shared", 1);
    await post("/rest/faults/shared", {
      route: "POST /channels/:channel_id/messages",
      major: channel,
      seconds: 1.5,
    });
    const before = counters();
    const sent = (await client().post(Routes.channelMessages(channel!), {
      body: { content: "after the shared limit" },
    })) as RESTPostAPIChannelMessageResult;
    expect(sent.content).toBe("after the shared limit");
    const after = counters();
    expect(after.rate_limited.shared - before.rate_limited.shared).toBe(1);
    expect(after.invalid).toBe(before.invalid);
    expect(await metrics()).toMatch(
      /porchlight_proxy_rate_limited_total\{bot="default",scope="shared",source="discord"\} 1/,
    );
  });

  it("locks the bot after Discord refuses its token, leaving interaction callbacks open, until an operator unlocks it", async () => {
    await post("/application", { bot_token_valid: false }, "PATCH");
    const refused = await raw("/users/@me");
    // Discord's own 401, passed through: the caller learns the truth.
    expect(refused.status).toBe(401);
    const before = counters().requests;
    const locked = await raw("/users/@me");
    expect(locked.status).toBe(503);
    expect(await locked.json()).toMatchObject({ code: "locked" });
    expect(counters().requests).toBe(before);
    expect(await metrics()).toContain('porchlight_proxy_locked{bot="default"} 1');

    // An interaction's callback carries its own token, so the lock does not hold it.
    const { id, token } = await deliverInteraction();
    const callback = await fetch(`${stack.worker.url}/proxy/api/v10/interactions/${id}/${token}/callback`, {
      method: "POST",
      headers: { "x-porchlight-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ type: 4, data: { content: "pong" } }),
    });
    expect(callback.status).toBe(204);

    await post("/application", { bot_token_valid: true }, "PATCH");
    expect((await raw("/users/@me")).status).toBe(503);
    const unlocked = await fetch(`${stack.worker.url}/proxy/bots/default/unlock`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(await unlocked.json()).toEqual({ bot: "default", was_locked: true });
    expect((await raw("/users/@me")).status).toBe(200);
  });

  it("holds the bot's traffic for a Cloudflare ban's duration and tells callers", async () => {
    await post("/rest/faults/cloudflare-ban", { seconds: 2 });
    const before = counters();
    const first = await raw("/users/@me");
    expect(first.status).toBe(503);
    const body = (await first.json()) as { code: string; retry_after: number };
    expect(body.code).toBe("banned");
    expect(body.retry_after).toBeGreaterThan(0);
    const second = await raw("/users/@me");
    expect(second.status).toBe(503);
    // Only the first request reached Discord's front.
    expect(counters().cloudflare_banned - before.cloudflare_banned).toBe(1);
    expect(await metrics()).toContain('porchlight_proxy_cloudflare_bans_total{bot="default"} 1');
    await post("/rest/faults", null, "DELETE");
    await waitFor(async () => (await raw("/users/@me")).status === 200, 5_000);
  });

  it("refuses every request once the invalid-request budget is spent, before Discord counts one more", async () => {
    const [channel] = await channels("forbidden", 1);
    await post("/rest/faults/forbidden", { channel_id: channel });
    const statuses: number[] = [];
    for (let n = 0; n < BUDGET + 3; n++) {
      const response = await raw(`/channels/${channel}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ content: "no" }),
      });
      statuses.push(response.status);
      if (response.status === 503)
        expect(await response.json()).toMatchObject({ code: "invalid_request_budget" });
    }
    expect(statuses).toContain(403);
    expect(statuses.slice(-3)).toEqual([503, 503, 503]);
    // Everything invalid Discord counted, the earlier tests' too, stays within the budget; the proxy
    // also counted the Cloudflare ban's 429, which the emulator does not, so it stopped one sooner.
    const invalid = counters().invalid;
    expect(invalid).toBeLessThanOrEqual(BUDGET);
    expect(invalid).toBeGreaterThanOrEqual(BUDGET - 1);
    expect((await raw("/users/@me")).status).toBe(503);
    expect(counters().invalid).toBe(invalid);
  });
});

describe("logs", () => {
  it("name the bot's troubles and never hold its token or a key", () => {
    const all = workerLines.join("\n");
    // The lock and the ban above were logged, so this reads the Worker's real output.
    expect(all).toContain("refused bot default's token (401)");
    expect(all).toContain("Cloudflare refused bot default's requests");
    for (const secret of [stack.emulator.world.application.botToken, KEY, ADMIN])
      expect(all).not.toContain(secret);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("timed out");
}
