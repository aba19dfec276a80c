import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import type { GuildDispatch } from "../../../emulator/world.ts";

let emulator: Emulator;
let dispatches: GuildDispatch[];

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  dispatches = [];
  emulator.world.on("dispatch", (event) => dispatches.push(event));
});
afterAll(() => emulator.close());

async function call(method: string, path: string, body?: unknown, raw?: string) {
  const res = await fetch(`${emulator.urls.control}${path}`, {
    method,
    headers: body !== undefined || raw !== undefined ? { "content-type": "application/json" } : {},
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const NEW_USER = "1300000000000000001";
const ada = SEED_MEMBERS[0]!;

describe("GET /_emulator/state", () => {
  it("describes the seeded application, guild, members and presences", async () => {
    const { status, body } = await call("GET", "/state");
    expect(status).toBe(200);
    expect(body).toMatchObject({
      bot_token: emulator.world.application.botToken,
      application_id: SEED.applicationId,
      public_key: expect.stringMatching(/^[0-9a-f]{64}$/),
      gateway_url: emulator.urls.gateway,
      shards: expect.any(Array),
      counters: { gateway: expect.any(Object), rest: expect.any(Object) },
    });
    const guild = body.guilds[0];
    expect(guild.id).toBe(SEED.guildId);
    // Every seeded member plus the bot itself.
    expect(guild.members).toHaveLength(SEED_MEMBERS.length + 1);
    expect(guild.members).toContainEqual({
      user: expect.objectContaining({ id: ada.id, username: ada.username, avatar: ada.avatar }),
      joined_at: expect.any(String),
    });
    expect(guild.presences.find((p: { user: { id: string } }) => p.user.id === ada.id)).toMatchObject({
      status: "online",
      activities: [expect.objectContaining({ name: "Spotify" })],
    });
  });
});

it("the seeded application has the id, token and guild emulator/README.md documents", async () => {
  const { body } = await call("GET", "/state");
  expect(body.application_id).toBe("1191168914227200001");
  expect(body.bot_token).toBe("MTE5MTE2ODkxNDIyNzIwMDAwMQ.Emu1at.HxCwroo_r-K7KWG2e-vrdDPLA4b-CNPW0aUEkw");
  expect(body.guilds[0].id).toBe("1191168914227200002");
});

describe("members", () => {
  it("PUT adds a new user as a member and announces GUILD_MEMBER_ADD; a repeat PUT announces nothing", async () => {
    dispatches.length = 0;
    const first = await call("PUT", `/guilds/${SEED.guildId}/members/${NEW_USER}`, {
      username: "newcomer",
      global_name: "New Comer",
      joined_at: "2025-02-03T04:05:06.000Z",
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      user: { id: NEW_USER, username: "newcomer" },
      joined_at: "2025-02-03T04:05:06.000Z",
    });
    expect(dispatches).toEqual([
      expect.objectContaining({ t: "GUILD_MEMBER_ADD", guildId: SEED.guildId, intent: 2 }),
    ]);
    const again = await call("PUT", `/guilds/${SEED.guildId}/members/${NEW_USER}`);
    expect(again.status).toBe(200);
    expect(dispatches).toHaveLength(1);
  });

  it("PATCH changes the user's profile and announces GUILD_MEMBER_UPDATE", async () => {
    dispatches.length = 0;
    const { status, body } = await call("PATCH", `/guilds/${SEED.guildId}/members/${NEW_USER}`, {
      nick: "newbie",
      user: { global_name: "Renamed", avatar: "ffeeddccbbaa99887766554433221100" },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ nick: "newbie", user: { global_name: "Renamed" } });
    expect(dispatches).toHaveLength(1);
    expect(dispatches[0]).toMatchObject({
      t: "GUILD_MEMBER_UPDATE",
      d: { user: { global_name: "Renamed" } },
    });
  });

  it("DELETE removes the member and announces GUILD_MEMBER_REMOVE", async () => {
    dispatches.length = 0;
    const { status } = await call("DELETE", `/guilds/${SEED.guildId}/members/${NEW_USER}`);
    expect(status).toBe(204);
    expect(dispatches).toEqual([
      expect.objectContaining({
        t: "GUILD_MEMBER_REMOVE",
        d: { guild_id: SEED.guildId, user: expect.objectContaining({ id: NEW_USER }) },
      }),
    ]);
  });

  it.each([
    ["PUT", `/guilds/123/members/${NEW_USER}`, undefined, 400, /guild_id/],
    ["PUT", `/guilds/${SEED.guildId}/members/abc`, undefined, 400, /user_id/],
    ["PUT", `/guilds/${SEED.guildId}/members/${NEW_USER}`, { username: "x" }, 400, /username/],
    ["PUT", `/guilds/${SEED.guildId}/members/${NEW_USER}`, { unknown: 1 }, 400, /body/],
    ["PUT", `/guilds/1300000000000009999/members/${NEW_USER}`, undefined, 404, /Unknown Guild/],
    ["PATCH", `/guilds/${SEED.guildId}/members/${NEW_USER}`, { nick: "x" }, 404, /Unknown Member/],
    ["PATCH", `/guilds/${SEED.guildId}/members/${ada.id}`, { roles: ["nope"] }, 400, /roles/],
    ["DELETE", `/guilds/${SEED.guildId}/members/${NEW_USER}`, undefined, 404, /Unknown Member/],
  ])("%s %s %j → %i", async (method, path, body, expected, message) => {
    const { status, body: error } = await call(method, path, body);
    expect(status).toBe(expected);
    expect(error.error).toMatch(message);
  });

  it("a body that is not JSON is a 400, not a crash", async () => {
    const { status, body } = await call(
      "PUT",
      `/guilds/${SEED.guildId}/members/${NEW_USER}`,
      undefined,
      "{nope",
    );
    expect(status).toBe(400);
    expect(body.error).toMatch(/body/);
  });
});

describe("presences", () => {
  it("POST dispatches a PRESENCE_UPDATE needing GUILD_PRESENCES and stores it", async () => {
    dispatches.length = 0;
    const d = {
      user: { id: ada.id },
      status: "idle",
      client_status: { mobile: "idle" },
      activities: [{ name: "Custom Status", type: 4, state: "away", emoji: { name: "🌴" } }],
    };
    const { status, body } = await call("POST", `/guilds/${SEED.guildId}/presences`, d);
    expect(status).toBe(200);
    expect(body).toEqual({ ...d, guild_id: SEED.guildId });
    expect(dispatches).toEqual([{ guildId: SEED.guildId, t: "PRESENCE_UPDATE", intent: 256, d: body }]);
    const state = await call("GET", "/state");
    expect(state.body.guilds[0].presences).toContainEqual(body);
  });

  it("invisible is announced as offline and leaves no stored presence", async () => {
    const { body } = await call("POST", `/guilds/${SEED.guildId}/presences`, {
      user: { id: ada.id },
      status: "invisible",
    });
    expect(body.status).toBe("offline");
    const state = await call("GET", "/state");
    expect(state.body.guilds[0].presences.map((p: { user: { id: string } }) => p.user.id)).not.toContain(
      ada.id,
    );
  });

  it.each([
    [`/guilds/${SEED.guildId}/presences`, { status: "online" }, 400, /user/],
    [`/guilds/${SEED.guildId}/presences`, { user: { id: ada.id }, status: "away" }, 400, /status/],
    [
      `/guilds/${SEED.guildId}/presences`,
      { user: { id: ada.id }, status: "online", client_status: { fridge: "online" } },
      400,
      /client_status/,
    ],
    [
      `/guilds/${SEED.guildId}/presences`,
      { user: { id: ada.id }, status: "online", activities: "Spotify" },
      400,
      /activities/,
    ],
    [
      `/guilds/${SEED.guildId}/presences`,
      { user: { id: "1300000000000000777" }, status: "online" },
      404,
      /Unknown Member/,
    ],
    ["/guilds/1/presences", { user: { id: ada.id }, status: "online" }, 400, /guild_id/],
  ])("POST %s %j → %i", async (path, body, expected, message) => {
    const { status, body: error } = await call("POST", path, body);
    expect(status).toBe(expected);
    expect(error.error).toMatch(message);
  });
});

describe("guilds and application", () => {
  it("POST /guilds creates a guild the bot is in; a duplicate id is a 409", async () => {
    const created = await call("POST", "/guilds", {
      id: "1300000000000000100",
      name: "Second",
      channels: ["a", "b"],
    });
    expect(created.status).toBe(201);
    expect(created.body.channels).toHaveLength(2);
    expect(emulator.world.guilds.get("1300000000000000100")?.members.has(SEED.applicationId)).toBe(true);
    expect((await call("POST", "/guilds", { id: "1300000000000000100", name: "Again" })).status).toBe(409);
    expect((await call("POST", "/guilds", { name: "x" })).status).toBe(400);
  });

  it("PATCH /application sets the interactions endpoint and intent flags", async () => {
    const { status, body } = await call("PATCH", "/application", {
      interactions_endpoint_url: "http://127.0.0.1:1/i",
    });
    expect(status).toBe(200);
    expect(body.interactions_endpoint_url).toBe("http://127.0.0.1:1/i");
    expect((await call("PATCH", "/application", { interactions_endpoint_url: "ftp://x" })).status).toBe(400);
    expect((await call("PATCH", "/application", { flags: -1 })).status).toBe(400);
  });
});

describe("shards", () => {
  it.each([
    ["/shards/x/reconnect", 400, /id/],
    ["/shards/-1/drop-acks", 400, /id/],
    ["/shards/0/invalidate?resumable=maybe", 400, /resumable/],
    ["/shards/0/close?code=1005", 400, /cannot be sent/],
    ["/shards/0/close?code=2000", 400, /cannot be sent/],
    ["/shards/0/close?code=5000", 400, /code/],
    ["/shards/0/close?code=abc", 400, /code/],
    ["/shards/0/reconnect", 404, /no live connection/],
    ["/shards/3/close?code=4000", 404, /no live connection/],
  ])("POST %s → %i", async (path, expected, message) => {
    const { status, body } = await call("POST", path);
    expect(status).toBe(expected);
    expect(body.error).toMatch(message);
  });
});

describe("simulator and interactions input", () => {
  it.each([
    ["POST", "/simulator", { users: "ten", rate: 1 }, /users/],
    ["POST", "/simulator", { users: 10 }, /rate/],
    ["POST", "/simulator/burst", { count: 0 }, /count/],
    ["POST", "/interactions", { guild_id: SEED.guildId }, /user_id/],
    ["POST", "/interactions", { user_id: ada.id, type: 9 }, /type/],
    ["POST", "/interactions", { user_id: ada.id, url: "file:///etc/passwd" }, /url/],
  ])("%s %s %j → 400", async (method, path, body, message) => {
    const { status, body: error } = await call(method, path, body);
    expect(status).toBe(400);
    expect(error.error).toMatch(message);
  });

  it("an unknown control route is a JSON 404", async () => {
    const { status, body } = await call("GET", "/nope");
    expect(status).toBe(404);
    expect(body.error).toMatch(/no control route/);
  });
});
