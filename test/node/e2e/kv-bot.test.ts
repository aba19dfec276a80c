import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSocket, type SocketClient } from "../../../bench/lib/socket-client.ts";
import { type InProcessStack, startInProcessStack } from "../../../bench/lib/stack.ts";
import { credentialsFor } from "../../../emulator/credentials.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type EmulatorApplication, emulatorApplication, wireBot } from "../../../scripts/lib/local-stack.ts";
import { registerCommands, registerSettings } from "../../../scripts/register-commands.ts";

/**
 * The bot and key-value storage end to end over real sockets, wired as `npm start` wires them: a
 * member invokes slash commands on Discord (the emulator, in this process, signs each interaction
 * and POSTs it to the Worker's /interactions under wrangler dev), uses the token the bot gave them
 * on both write APIs, and sees the result over REST and on a Lantern socket. Every wait is for a
 * specific answer or frame.
 */

// The seeded application's key, derived from the seed: the Worker needs it before the emulator runs.
const SEEDED_PUBLIC_KEY = credentialsFor(SEED.applicationId, SEED.secret).publicKey;
const ada = SEED_MEMBERS[0]!.id;

let stack: InProcessStack;
let app: EmulatorApplication;
const opened: SocketClient[] = [];

beforeAll(async () => {
  stack = await startInProcessStack({
    users: 5,
    seed: 13,
    heartbeatIntervalMs: 2_000,
    workerVars: { DISCORD_PUBLIC_KEY: SEEDED_PUBLIC_KEY },
  });
  app = await emulatorApplication(stack.emulator.urls.http);
  await wireBot(stack.emulator.urls.http, stack.worker.url, app);
}, 150_000);

afterAll(async () => {
  await Promise.all(opened.map((socket) => socket.close()));
  await stack?.stop();
});

interface BotReply {
  type: number;
  data: { content: string; flags?: number };
}

/** Discord invoking the bot: POST /_emulator/interactions signs the interaction and delivers it. */
async function invoke(data: unknown, userId = ada): Promise<BotReply> {
  const response = await fetch(`${stack.emulator.urls.control}/interactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user_id: userId, guild_id: stack.guildId, data }),
  });
  const result = (await response.json()) as { status: number; body: BotReply };
  expect([response.status, result.status]).toEqual([200, 200]);
  return result.body;
}

const storage = (name: string, options: unknown[] = []) => ({
  name: "storage",
  options: [{ type: 1, name, options }],
});
const tokenCommand = (name: "create" | "revoke") => ({
  name: "storage",
  options: [{ type: 2, name: "token", options: [{ type: 1, name }] }],
});

/** A Lantern socket subscribed to ada, past its INIT_ACK. */
async function lanternSocket(): Promise<SocketClient> {
  const socket = await openSocket(stack.worker.url);
  opened.push(socket);
  socket.send({ op: 2, d: { user_id: ada } });
  await socket.next((frame) => frame.t === "INIT_ACK");
  return socket;
}

/** The next STORAGE_UPDATE (op 10) whose pairs include `key`. */
async function storageUpdate(socket: SocketClient, key: string) {
  const frame = await socket.next(
    (f) => f.op === 10 && Object.hasOwn((f.d as { storage: object }).storage, key),
  );
  return (frame.d as { storage: Record<string, string> }).storage;
}

const api = (path: string, init?: RequestInit) => fetch(`${stack.worker.url}${path}`, init);
const lanyardPairs = async () =>
  ((await (await api(`/v1/users/${ada}`)).json()) as { data: { kv: Record<string, string> } }).data.kv;

describe("emulator → /interactions → storage → REST and /socket", () => {
  it("is wired as npm start wires it: endpoint URL, public key and commands", async () => {
    expect(app.publicKey).toBe(SEEDED_PUBLIC_KEY);
    const state = (await (await fetch(`${stack.emulator.urls.control}/state`)).json()) as {
      interactions_endpoint_url: string;
    };
    expect(state.interactions_endpoint_url).toBe(`${stack.worker.url}/interactions`);
    const names = stack.emulator.world.application.globalCommands.map((command) => command.name);
    expect(names.sort()).toEqual(["ping", "storage"]);
    expect(await invoke({ name: "ping" })).toMatchObject({ type: 4, data: { flags: 64 } });
  });

  it("a token from /storage token create writes through Lanyard's @me and Lantern's routes", async () => {
    const created = await invoke(tokenCommand("create"));
    expect(created.data.flags).toBe(64);
    const token = /pl_[A-Za-z0-9_-]{43}/.exec(created.data.content)?.[0];
    expect(token).toBeDefined();
    const socket = await lanternSocket();

    const lanyard = await api("/v1/users/@me/kv/city", {
      method: "PUT",
      headers: { Authorization: token! },
      body: "Lisbon",
    });
    expect(lanyard.status).toBe(204);
    expect(await storageUpdate(socket, "city")).toMatchObject({ city: "Lisbon" });
    expect(await (await api(`/api/v1/users/${ada}/storage/city`)).json()).toEqual({ value: "Lisbon" });

    const lantern = await api(`/api/v1/users/${ada}/storage/mood`, {
      method: "PUT",
      headers: { Authorization: token!, "content-type": "application/json" },
      body: JSON.stringify({ value: "calm" }),
    });
    expect(await lantern.json()).toEqual({ success: true });
    expect(await storageUpdate(socket, "mood")).toEqual({ city: "Lisbon", mood: "calm" });
    expect(await lanyardPairs()).toEqual({ city: "Lisbon", mood: "calm" });

    // Revoked through the bot, the token writes nothing more.
    expect((await invoke(tokenCommand("revoke"))).data.content).toContain("revoked");
    const refused = await api("/v1/users/@me/kv/city", {
      method: "PUT",
      headers: { Authorization: token! },
      body: "Porto",
    });
    expect(refused.status).toBe(401);
  });

  it("/storage set through the bot reaches REST and the socket; /storage get reads it back", async () => {
    const socket = await lanternSocket();
    const saved = await invoke(
      storage("set", [
        { type: 3, name: "key", value: "song" },
        { type: 3, name: "value", value: "Blue in Green" },
      ]),
    );
    expect(saved.data.content).toBe("Saved `song`.");
    expect((await storageUpdate(socket, "song")).song).toBe("Blue in Green");
    expect(await (await api(`/api/v1/users/${ada}/storage/song`)).json()).toEqual({ value: "Blue in Green" });
    expect((await lanyardPairs()).song).toBe("Blue in Green");
    expect((await invoke(storage("get", [{ type: 3, name: "key", value: "song" }]))).data.content).toContain(
      "Blue in Green",
    );
  });
});

describe("npm run commands:register", () => {
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ["scripts/register-commands.ts"], {
      env: { PATH: process.env.PATH, ...env },
    })
      .then(({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }))
      .catch((error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        out: error.stdout + error.stderr,
      }));

  it("registers in one guild with GUILD_ID, replacing what was there", async () => {
    const settings = registerSettings({
      DISCORD_TOKEN: app.botToken,
      DISCORD_APPLICATION_ID: app.applicationId,
      GUILD_ID: stack.guildId,
      DISCORD_API_BASE: `${stack.emulator.urls.http}/api/`,
    });
    if (!settings.ok) throw new Error(settings.problems.join("; "));
    expect(await registerCommands(settings.settings)).toEqual({
      applicationId: app.applicationId,
      guildId: stack.guildId,
      names: ["ping", "storage"],
    });
    const inGuild = stack.emulator.world.application.guildCommands.get(stack.guildId) ?? [];
    expect(inGuild.map((command) => command.name)).toEqual(["ping", "storage"]);
  });

  it("says what is missing or wrong, and never prints the token", async () => {
    const missing = await run({});
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.out).toContain("DISCORD_TOKEN is required");
    const bad = await run({ DISCORD_TOKEN: "x", GUILD_ID: "abc", DISCORD_API_BASE: "ftp://example" });
    expect(bad.out).toContain("GUILD_ID must be a Discord id");
    expect(bad.out).toContain("DISCORD_API_BASE must be an http(s) URL");

    const secret = `${app.botToken.slice(0, -4)}XXXX`;
    const refused = await run({
      DISCORD_TOKEN: secret,
      DISCORD_APPLICATION_ID: app.applicationId,
      DISCORD_API_BASE: `${stack.emulator.urls.http}/api`,
    });
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.out).toContain("Discord refused DISCORD_TOKEN (401)");
    expect(refused.out).not.toContain(secret.split(".")[2]);

    const noAppId = await run({
      DISCORD_TOKEN: app.botToken,
      DISCORD_API_BASE: `${stack.emulator.urls.http}/api`,
    });
    // The emulator answers GET /applications/@me, as Discord does: the id is found without help.
    expect(noAppId).toMatchObject({ code: 0 });
    expect(noAppId.out).toContain(`for application ${app.applicationId}`);
    expect(noAppId.out).not.toContain(app.botToken.split(".")[2]);
  });
});
