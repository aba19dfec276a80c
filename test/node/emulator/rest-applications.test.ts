import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../../emulator/server.ts";
import { registerCommands } from "../../../scripts/register-commands.ts";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
});
afterAll(() => emulator.close());

describe("GET /applications/@me", () => {
  it("describes the token's application, with its public key as Discord's verify_key", async () => {
    const app = emulator.world.application;
    const response = await fetch(`${emulator.urls.api}/v10/applications/@me`, {
      headers: { Authorization: `Bot ${app.botToken}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: app.id,
      name: app.name,
      verify_key: app.publicKey,
      flags: app.flags,
      bot: { id: app.bot.id },
      interactions_endpoint_url: null,
    });
    const anonymous = await fetch(`${emulator.urls.api}/v10/applications/@me`);
    expect(anonymous.status).toBe(401);
  });

  it("lets commands:register find the application id by itself", async () => {
    const done = await registerCommands({
      token: emulator.world.application.botToken,
      apiBase: emulator.urls.api,
      applicationId: null,
      guildId: null,
    });
    expect(done.applicationId).toBe(emulator.world.application.id);
    expect(emulator.world.application.globalCommands.map((command) => command.name).sort()).toEqual(
      [...done.names].sort(),
    );
  });
});
