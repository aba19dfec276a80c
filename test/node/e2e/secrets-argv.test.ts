import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandLine, groupPids } from "../../../bench/lib/cpu.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import {
  type EmulatorProcess,
  newIngestSecret,
  proxyVarsFor,
  type RunnerProcess,
  runnerEnvFor,
  startEmulatorProcess,
  startRunnerProcess,
  startWorkerProcess,
  type WorkerProcess,
  workerVarsFor,
} from "../../../scripts/lib/local-stack.ts";
import { writePrivateEnvFile } from "../../../scripts/lib/private-env-file.ts";
import { freePort } from "../../../scripts/lib/processes.ts";
import { waitFor } from "../runner/helpers/wait.ts";

/**
 * No secret on a command line: any local user can read every process's arguments
 * (/proc/<pid>/cmdline, `ps`). The local stack is started as `npm start` starts it, one process
 * group per piece, and every process of every group (npx, wrangler, workerd, the runner, the
 * emulator) is read.
 */

let emulator: EmulatorProcess;
let worker: WorkerProcess;
let runner: RunnerProcess;
let persistTo: string;
// With what dotenv-expand would expand, and with a user's setting that would have wrangler read
// the file's values twice (through its own environment too): the Worker must get them unchanged.
const secret = `${newIngestSecret()}$HOME\${PATH}\\$x`;
const includeProcessEnv = process.env.CLOUDFLARE_INCLUDE_PROCESS_ENV;
const PROXY_KEY = "plk_argv-test-key-0123456789abcdefghijklmnopqrstuvwxyz";

beforeAll(async () => {
  process.env.CLOUDFLARE_INCLUDE_PROCESS_ENV = "true";
  persistTo = mkdtempSync(join(tmpdir(), "porchlight-argv-"));
  emulator = await startEmulatorProcess({});
  worker = await startWorkerProcess({
    port: await freePort(),
    // With the REST proxy on: the bot's token and the keys' digests travel the same way.
    vars: { ...workerVarsFor(emulator.http, secret), ...proxyVarsFor(emulator, PROXY_KEY) },
    persistTo,
  });
  runner = await startRunnerProcess({ env: runnerEnvFor(emulator, worker.url, secret, [SEED.guildId]) });
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await worker?.stop();
  await emulator?.stop();
  rmSync(persistTo, { recursive: true, force: true });
  if (includeProcessEnv === undefined) delete process.env.CLOUDFLARE_INCLUDE_PROCESS_ENV;
  else process.env.CLOUDFLARE_INCLUDE_PROCESS_ENV = includeProcessEnv;
});

/** Every process on the machine, in case one of the stack's left its group. */
function everyProcess(): { pid: number; cmdline: string }[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map((name) => ({ pid: Number(name), cmdline: commandLine(Number(name)) }));
}

/** Every process of the stack with its command line. */
function stackProcesses(): { pid: number; cmdline: string }[] {
  return [emulator, worker, runner].flatMap(({ child }) =>
    groupPids(child.pid!).map((pid) => ({ pid, cmdline: commandLine(pid) })),
  );
}

describe("secrets", () => {
  it("appear in no process's arguments, the Worker's ingest still working", async () => {
    const processes = stackProcesses();
    // The groups really hold the stack: wrangler's workerd included.
    expect(processes.some((p) => p.cmdline.includes("workerd"))).toBe(true);
    expect(processes.some((p) => p.cmdline.includes("gateway-runner/main.ts"))).toBe(true);
    // Named, not shown: a failure must not print the secret it found.
    const showing = (all: typeof processes, value: string) =>
      all
        .filter((p) => p.cmdline.includes(value))
        .map((p) => `${p.pid}: ${p.cmdline.replaceAll(value, "<secret>")}`);
    expect(showing(processes, secret)).toEqual([]);
    expect(showing(processes, emulator.token)).toEqual([]);
    expect(showing(everyProcess(), secret)).toEqual([]);
    expect(showing(everyProcess(), emulator.token)).toEqual([]);
    // The Worker has the secret all the same: the runner's signed batches are accepted.
    const ada = `${worker.url}/api/v1/users/${SEED_MEMBERS[0]!.id}`;
    await waitFor("ada on the Worker", async () => (await fetch(ada)).status === 200, { timeoutMs: 60_000 });
    // And the proxy the bot's token: a call with the key reaches the emulator as the bot.
    const me = await fetch(`${worker.url}/proxy/api/v10/users/@me`, {
      headers: { authorization: `Bot ${PROXY_KEY}` },
    });
    expect(me.status).toBe(200);
  });

  it("reach wrangler in a file only this user can read, removed when the Worker stops", async () => {
    const wrangler = stackProcesses().find((p) => / --env-file /.test(p.cmdline));
    expect(wrangler).toBeDefined();
    const path = wrangler!.cmdline.split(" --env-file ")[1]!.split(" ")[0]!;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    await worker.stop();
    expect(() => statSync(join(path, ".."))).toThrow(/ENOENT/);
  });

  it("writes values wrangler's --env-file reads back unchanged, $ and backslashes included", async () => {
    // The function `wrangler dev` turns its --env-file into the Worker's settings with: dotenv's
    // parse, then dotenv-expand, which expands $NAME and ${...} even inside single quotes.
    const { unstable_getVarsForDev } = await import("wrangler");
    const values = {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dotenv-expand's syntax, meant literally
      EXPANDS: "a$HOME b${PATH}c",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dotenv-expand's syntax, meant literally
      DEFAULTS: "${UNSET:-fallback}${HOME:+alt}",
      ESCAPED: "back\\$slash and \\\\$two, \\ alone",
      OTHER: '# not a comment, "double" and `ticks`',
      LONE: "$ $$ $1 trailing$",
    };
    const file = writePrivateEnvFile(values);
    // As startWorkerProcess has wrangler run, whatever this file's stack was started with.
    process.env.CLOUDFLARE_INCLUDE_PROCESS_ENV = "false";
    try {
      const read = unstable_getVarsForDev(undefined, [file.path], {}, undefined, true);
      expect(
        Object.fromEntries(Object.entries(read).map(([name, v]) => [name, (v as { value: string }).value])),
      ).toEqual(values);
    } finally {
      process.env.CLOUDFLARE_INCLUDE_PROCESS_ENV = "true";
      file.remove();
    }
  });

  it("refuses a setting it cannot write literally, naming it but never its value", () => {
    expect(() => writePrivateEnvFile({ INGEST_SECRET: "it's-secret" })).toThrow(
      "setting INGEST_SECRET contains a single quote or a line break",
    );
    expect(() => writePrivateEnvFile({ X: "line\nbreak" })).toThrow(/^setting X contains/);
    // dotenv would read its closing quote as escaped, and the next line as part of the value.
    expect(() => writePrivateEnvFile({ Y: "ends in \\" })).toThrow("setting Y ends in a backslash");
    expect(() => writePrivateEnvFile({ "NOT A NAME": "v" })).toThrow(
      'setting name "NOT A NAME" is not a variable name',
    );
    const file = writePrivateEnvFile({ A: "has # and spaces" });
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    file.remove();
    expect(() => statSync(file.path)).toThrow(/ENOENT/);
  });
});
