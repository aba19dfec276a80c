import { REST, RESTEvents, type ResponseLike } from "@discordjs/rest";
import { type APIMessage, Routes } from "discord-api-types/v10";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";

/**
 * An unmodified @discordjs/rest client against the emulator: a burst of 500 requests over four
 * buckets, 50 channels and 10 guilds. djs is allowed 1000 requests per second while the emulator
 * allows 100, so the global limit is hit for real; each channel gets 6 messages against a limit of
 * 5, so every channel waits out one window. Every request must still succeed, and the emulator's
 * counters must match the 429s djs saw.
 */

const GUILDS = 10;
const CHANNELS_PER_GUILD = 5;
const MESSAGES_PER_CHANNEL = 6;
const MEMBER_FETCHES_PER_GUILD = 10;
const CHANNEL_LISTS_PER_GUILD = 5;
const USER_FETCHES = 50;

let emulator: Emulator;
let rest: REST;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, restGlobalPerSecond: 100 });
  rest = new REST({
    api: emulator.urls.api,
    version: "10",
    globalRequestsPerSecond: 1_000,
    // No sweeper timers, so nothing outlives the test.
    handlerSweepInterval: 0,
    hashSweepInterval: 0,
  }).setToken(emulator.world.application.botToken);
});
afterAll(() => emulator.close());

describe("a 500-request burst from @discordjs/rest", () => {
  it("all succeed, and the emulator counts exactly the 429s djs received", async () => {
    const { world } = emulator;
    const ada = SEED_MEMBERS[0]!;
    const guilds = Array.from({ length: GUILDS }, (_, g) => {
      const channelNames = Array.from({ length: CHANNELS_PER_GUILD }, (_, c) => `burst-${g}-${c}`);
      const guild = world.createGuild({ name: `burst ${g}`, channelNames });
      world.addMember(guild.id, ada.id);
      return guild;
    });

    const responses: ResponseLike[] = [];
    rest.on(RESTEvents.Response, (_request, response) => {
      responses.push(response);
    });

    const requests: Promise<unknown>[] = [];
    for (const guild of guilds) {
      for (const channelId of guild.channelIds) {
        for (let i = 0; i < MESSAGES_PER_CHANNEL; i++) {
          requests.push(
            rest.post(Routes.channelMessages(channelId), { body: { content: `${channelId}:${i}` } }),
          );
        }
      }
      for (let i = 0; i < MEMBER_FETCHES_PER_GUILD; i++) {
        requests.push(rest.get(Routes.guildMember(guild.id, ada.id)));
      }
      for (let i = 0; i < CHANNEL_LISTS_PER_GUILD; i++)
        requests.push(rest.get(Routes.guildChannels(guild.id)));
    }
    // Alternating two routes of one shared bucket, which djs learns only from X-RateLimit-Bucket.
    for (let i = 0; i < USER_FETCHES; i++)
      requests.push(rest.get(i % 2 ? Routes.user("@me") : Routes.user(ada.id)));
    expect(requests).toHaveLength(500);

    const results = await Promise.all(requests);

    // Every message arrived exactly once, in order, in its channel.
    for (const guild of guilds) {
      for (const channelId of guild.channelIds) {
        expect(world.requireChannel(channelId).messages.map((m) => m.content)).toEqual(
          Array.from({ length: MESSAGES_PER_CHANNEL }, (_, i) => `${channelId}:${i}`),
        );
      }
    }
    expect((results[0] as APIMessage).author.id).toBe(world.application.bot.id);

    const limited = responses.filter((r) => r.status === 429);
    const global = limited.filter((r) => r.headers.get("X-RateLimit-Global") === "true");
    const user = limited.filter((r) => r.headers.get("X-RateLimit-Scope") === "user");
    expect(global.length + user.length).toBe(limited.length);
    expect(responses.filter((r) => r.status !== 429 && r.status !== 200)).toEqual([]);
    expect(responses.length).toBe(500 + limited.length);
    // djs outran the emulator's global limit, so the emulator had to say so.
    expect(global.length).toBeGreaterThan(0);

    expect(emulator.rest.counters()).toEqual({
      [world.application.bot.id]: {
        requests: responses.length,
        rate_limited: { user: user.length, global: global.length, shared: 0 },
        invalid: limited.length,
        cloudflare_banned: 0,
        by_route: expect.any(Object),
      },
    });
    // Every response is counted against one of the four routes, 429s included.
    const byRoute = Object.entries(emulator.rest.counters()[world.application.bot.id]!.by_route);
    expect(byRoute.map(([route]) => route).sort()).toEqual([
      "GET /guilds/:guild_id/channels",
      "GET /guilds/:guild_id/members/:user_id",
      "GET /users/:user_id",
      "POST /channels/:channel_id/messages",
    ]);
    expect(byRoute.reduce((sum, [, r]) => sum + r.requests, 0)).toBe(responses.length);
    expect(byRoute.reduce((sum, [, r]) => sum + r.rate_limited, 0)).toBe(limited.length);
  });
});
