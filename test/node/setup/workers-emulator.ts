import { spawnNode } from "../../../scripts/lib/processes.ts";

/**
 * vitest globalSetup of the workers project: the emulator on the port vitest.config.ts gave the
 * Worker as DISCORD_API_BASE, so the REST proxy's tests inside workerd call a real Discord
 * stand-in over real HTTP. It runs as its own process (as `npm run emulator`), since the workers
 * project resolves modules for workerd, not Node. Tests that change the emulator's limits or
 * faults take channels of their own, since every test file shares this one.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const port = process.env.PORCHLIGHT_WORKERS_EMULATOR_PORT!;
  const emulator = await spawnNode("emulator/cli.ts", ["--port", port], {
    label: "emulator",
    ready: /emulator ready: /,
  });
  return () => emulator.stop();
}
