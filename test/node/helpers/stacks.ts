import { afterAll, beforeAll, beforeEach } from "vitest";
import { startWorkerStack, type WorkerStack } from "../../../bench/lib/stack.ts";
import type { Emulator } from "../../../emulator/server.ts";
import { proxyVarsFor } from "../../../scripts/lib/local-stack.ts";

/**
 * Helpers the end-to-end tests share: a stack with the REST proxy on (the emulator's bot behind a
 * key, as `npm start` runs it), and a user's write token got the way a user gets one, through the bot.
 */

/**
 * A Worker stack for the file, with the proxy on behind `key`; every test starts with the
 * emulator's faults cleared. Read `.stack` inside tests and hooks.
 */
export function useProxyStack(
  key: string,
  extraVars: (emulator: Emulator) => Record<string, string> = () => ({}),
) {
  const handle = { stack: undefined as unknown as WorkerStack };
  beforeAll(async () => {
    handle.stack = await startWorkerStack({
      workerVars: (emulator) => ({
        ...proxyVarsFor({ http: emulator.urls.http, token: emulator.world.application.botToken }, key),
        ...extraVars(emulator),
      }),
    });
  }, 120_000);
  afterAll(async () => {
    await handle.stack?.stop();
  });
  beforeEach(async () => {
    await fetch(`${handle.stack.emulator.urls.control}/rest/faults`, { method: "DELETE" });
  });
  return handle;
}

/** Discord invoking the bot's /storage token create for `userId`: the write token from its reply. */
export async function writeTokenFor(
  stack: Pick<WorkerStack, "emulator" | "guildId">,
  userId: string,
): Promise<string> {
  const response = await fetch(`${stack.emulator.urls.control}/interactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      user_id: userId,
      guild_id: stack.guildId,
      data: {
        name: "storage",
        options: [{ type: 2, name: "token", options: [{ type: 1, name: "create" }] }],
      },
    }),
  });
  const result = (await response.json()) as { body: { data: { content: string } } };
  const token = /pl_[A-Za-z0-9_-]{43}/.exec(result.body.data.content)?.[0];
  if (!token) throw new Error(`no token in the bot's reply: ${result.body.data.content}`);
  return token;
}
