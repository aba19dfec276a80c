import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { PorchlightClient } from "porchlight/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InProcessStack, markedPresence, startInProcessStack } from "../../../bench/lib/stack.ts";
import { COMMANDS } from "../../../cli/main.ts";
import { LOCAL_PROXY_KEY as CLI_LOCAL_KEY } from "../../../cli/settings.ts";
import { credentialsFor } from "../../../emulator/credentials.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import {
  emulatorApplication,
  LOCAL_PROXY_KEY,
  proxyVarsFor,
  wireBot,
} from "../../../scripts/lib/local-stack.ts";
import { freePort } from "../../../scripts/lib/processes.ts";
import { writeTokenFor } from "../helpers/stacks.ts";

/**
 * `porchlight` as a user runs it: a child process (Node running cli/porchlight.ts, as the bin
 * entry does) against the whole stack wired as `npm start` wires it (the emulator, the runner, the
 * Worker with the bot and the proxy behind npm start's local key), checking what it prints and
 * the exit code for each kind of failure.
 */

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "cli/porchlight.ts");
const SEEDED_PUBLIC_KEY = credentialsFor(SEED.applicationId, SEED.secret).publicKey;
const [ada, grace, , margaret, dennis] = SEED_MEMBERS.map((member) => member.id) as string[];
const STRANGER = "1191168999999999999";

let stack: InProcessStack;
let general: string;
/** A server that accepts requests and never answers them. */
let silent: Server;
let silentUrl: string;

beforeAll(async () => {
  stack = await startInProcessStack({
    users: 5,
    seed: 19,
    heartbeatIntervalMs: 2_000,
    workerVars: { DISCORD_PUBLIC_KEY: SEEDED_PUBLIC_KEY },
  });
  // The proxy needs the emulator's URL, known only now: the Worker again, with it, as npm start has it.
  await stack.worker.stop();
  const emulator = { http: stack.emulator.urls.http, token: stack.emulator.world.application.botToken };
  await stack.startWorker(proxyVarsFor(emulator, LOCAL_PROXY_KEY));
  await wireBot(
    stack.emulator.urls.http,
    stack.worker.url,
    await emulatorApplication(stack.emulator.urls.http),
  );
  general = stack.emulator.world.requireGuild(SEED.guildId).channelIds[0]!;
  silent = createServer(() => {});
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  silent?.closeAllConnections();
  silent?.close();
  await stack?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a user's shell would give it: PATH and the settings named, nothing inherited. */
function envWith(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PORCHLIGHT_URL: stack.worker.url, ...extra };
}

function porchlight(
  args: string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: envWith(options.env) });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  child.stdin.end(options.input ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

const token = (userId: string) => writeTokenFor(stack, userId);

/** One error line on stderr (a usage error adds the line pointing at --help). */
const errorLine = (run: Run) => run.stderr.trim().split("\n")[0]!;

describe("help and usage", () => {
  it("--help lists every command and the exit codes, on stdout, with exit 0", async () => {
    const run = await porchlight(["--help"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    for (const command of COMMANDS)
      expect(run.stdout).toContain(`${command.path.join(" ")} ${command.usage}`);
    expect(run.stdout).toContain("Exit codes:");
    expect(run.stdout).toMatch(/7 {2}network/);
  });

  it("every command and group has its own --help", async () => {
    const pages = [...COMMANDS.map((command) => [...command.path]), ["message"], ["guild"], ["kv"]];
    const runs = await Promise.all(pages.map((words) => porchlight([...words, "--help"])));
    for (const [i, run] of runs.entries()) {
      expect(run.code, pages[i]!.join(" ")).toBe(0);
      expect(run.stdout).toContain(`Usage: porchlight ${pages[i]!.join(" ")}`);
      expect(run.stdout).toContain("Exit codes:");
    }
    expect((await porchlight(["help", "kv", "set"])).stdout).toContain("Usage: porchlight kv set");
  });

  it("a mistake in the command is exit 2 with one line saying what, on stderr", async () => {
    const cases = [
      [[], /Usage: porchlight <command>/],
      [["nope"], /unknown command: nope/],
      [["kv", "nope"], /unknown command: kv nope/],
      [["message", "direct", ada!], /missing arguments: porchlight message direct <user_id> <content>/],
      [["presence", ada!, "extra"], /too many arguments/],
      [["presence", ada!, "--bogus"], /Unknown option '--bogus'/],
      [["presence", ada!, "--timeout", "soon"], /--timeout must be a whole number/],
      [["message", "channel", general, "hi", "--embed-color", "blue"], /--embed-color must be/],
      [["message", "channel", general, "", "--json"], /the message is empty/],
      [["kv", "set", ada!, "city", "Lisbon"], /needs the user's token/],
      [["guild", "channels", SEED.guildId, "--url", "https://porchlight.example"], /needs the proxy key/],
    ] as const;
    const runs = await Promise.all(cases.map(([args]) => porchlight([...args])));
    for (const [i, run] of runs.entries()) {
      expect(run.code, String(cases[i]![0])).toBe(2);
      expect(run.stdout).toBe("");
      expect(errorLine(run)).toMatch(cases[i]![1]);
    }
  });

  it("uses npm start's documented key, which it shares with scripts/lib/local-stack.ts", () => {
    expect(CLI_LOCAL_KEY).toBe(LOCAL_PROXY_KEY);
  });
});

describe("presence", () => {
  it("prints one line: status, custom status, activity and Spotify's song — artist", async () => {
    const listening = await porchlight(["presence", ada!]);
    expect(listening.code).toBe(0);
    expect(listening.stdout).toMatch(/^Ada \(ada\): online on desktop, mobile · Spotify: .+ — .+\n$/);
    const playing = await porchlight(["presence", grace!]);
    expect(playing.stdout.trim()).toBe(
      'Grace 🌙 (grace): dnd on desktop · "🚀 shipping things" · Playing Celeste (Chapter 7: The Summit, B-Side)',
    );
    const json = await porchlight(["presence", dennis!, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ metadata: { id: dennis }, status: "online" });
  });

  it("a user who is not monitored is exit 4; Porchlight unreachable exit 7; no answer in time exit 6", async () => {
    const [stranger, closed, slow] = await Promise.all([
      porchlight(["presence", STRANGER]),
      porchlight(["presence", ada!, "--url", `http://127.0.0.1:${await freePort()}`]),
      porchlight(["presence", ada!, "--url", silentUrl, "--timeout", "300"]),
    ]);
    expect(stranger.code).toBe(4);
    expect(errorLine(stranger)).toMatch(/^porchlight: not found \(404\): User .* is not being monitored/);
    expect(closed.code).toBe(7);
    expect(errorLine(closed)).toMatch(/^porchlight: network error: .*ECONNREFUSED/);
    expect(slow.code).toBe(6);
    expect(errorLine(slow)).toMatch(/^porchlight: timed out: .* within 300 ms/);
    for (const run of [stranger, closed, slow]) expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("presence watch prints a line per change until Ctrl-C, then exits 0", async () => {
    const child = spawn(process.execPath, [CLI, "presence", "watch", margaret!, ada!], {
      cwd: ROOT,
      env: envWith(),
    });
    const lines: string[] = [];
    const waiters: (() => void)[] = [];
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      for (const wake of waiters.splice(0)) wake();
    });
    const lineMatching = async (pattern: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const found = lines.find((line) => pattern.test(line));
        if (found) return found;
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500);
        });
      }
      throw new Error(`no line matching ${pattern}; got:\n${lines.join("\n")}`);
    };
    const exited = once(child, "exit");
    await lineMatching(/^\d\d:\d\d:\d\d Margaret \(margaret\): idle on web$/);
    await lineMatching(/^\d\d:\d\d:\d\d Ada \(ada\): /);
    stack.emulator.world.setPresence(stack.guildId, markedPresence(margaret!, "cli-watch", "dnd"));
    expect(await lineMatching(/cli-watch/)).toMatch(
      /^\d\d:\d\d:\d\d Margaret \(margaret\): dnd on desktop · "cli-watch"$/,
    );
    child.kill("SIGINT");
    expect((await exited)[0]).toBe(0);
  });

  it("presence watch of nobody monitored ends at once with exit 4 and the server's reason", async () => {
    const run = await porchlight(["presence", "watch", STRANGER]);
    expect(run.code).toBe(4);
    expect(errorLine(run)).toMatch(/ended \(4000\): .*not being monitored/);
  });
});

describe("key-value", () => {
  it("sets, reads and deletes with the token; a wrong token is exit 3, a missing key exit 4", async () => {
    const env = { PORCHLIGHT_TOKEN: await token(dennis!) };
    expect(await porchlight(["kv", "set", dennis!, "city", "Lisbon"], { env })).toMatchObject({
      code: 0,
      stdout: `set city for ${dennis}\n`,
    });
    expect(await porchlight(["kv", "set", "@me", "note", "-"], { env, input: "from stdin\n" })).toMatchObject(
      {
        code: 0,
      },
    );
    expect((await porchlight(["kv", "get", dennis!, "city"])).stdout).toBe("Lisbon\n");
    expect((await porchlight(["kv", "get", dennis!])).stdout).toBe("city=Lisbon\nnote=from stdin\n");
    expect(await porchlight(["kv", "delete", dennis!, "city"], { env })).toMatchObject({ code: 0 });

    const missing = await porchlight(["kv", "get", dennis!, "city"]);
    expect(missing.code).toBe(4);
    const wrong = await porchlight([
      "kv",
      "set",
      dennis!,
      "city",
      "Porto",
      "--token",
      `pl_${"A".repeat(43)}`,
    ]);
    expect(wrong.code).toBe(3);
    expect(errorLine(wrong)).toMatch(/^porchlight: unauthorized \(401\)/);
  });
});

describe("messages and guilds, with npm start's key", () => {
  it("message direct to a seeded user: one line naming the message, which the emulator then has", async () => {
    const run = await porchlight(["message", "direct", ada!, "hi"]);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const [, messageId, channelId] = /^sent (\d+) to (\d+)\n$/.exec(run.stdout)!;
    const dm = stack.emulator.world.requireChannel(channelId!);
    expect(dm.channel).toMatchObject({ type: 1, recipients: [{ id: ada }] });
    expect(dm.messages.find((message) => message.id === messageId)).toMatchObject({ content: "hi" });
  });

  it("message channel from stdin with an embed, printed as JSON", async () => {
    const run = await porchlight(
      ["message", "channel", general, "-", "--embed-title", "Deploy", "--embed-color", "#5865f2", "--json"],
      { input: "shipped\n" },
    );
    expect(run.code).toBe(0);
    const sent = JSON.parse(run.stdout) as { id: string; content: string };
    expect(sent).toMatchObject({ content: "shipped", embeds: [{ title: "Deploy", color: 0x5865f2 }] });
    expect(stack.emulator.world.requireMessage(general, sent.id).content).toBe("shipped");
  });

  it("the same --idempotency-key twice posts once", async () => {
    const args = ["message", "channel", general, "once", "--idempotency-key", `cli-${Date.now()}`];
    const [first, second] = [await porchlight(args), await porchlight(args)];
    expect(second.stdout).toBe(first.stdout);
    const id = /^sent (\d+)/.exec(first.stdout)![1];
    expect(stack.emulator.world.requireChannel(general).messages.filter((m) => m.id === id)).toHaveLength(1);
  });

  it("guild channels lists each channel on a line", async () => {
    const run = await porchlight(["guild", "channels", SEED.guildId]);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")).toContain(`${general}\ttext\tgeneral\t-`);
  });

  it("exit codes for what Discord and the proxy answer: 3 wrong key, 4 unknown, 5 rate limited", async () => {
    const wrongKey = await porchlight([
      "guild",
      "channels",
      SEED.guildId,
      "--key",
      "plk_not-the-key-0000000000000000000000000000",
    ]);
    expect(wrongKey.code).toBe(3);
    expect(errorLine(wrongKey)).toMatch(/^porchlight: unauthorized \(401, code unauthorized\)/);

    const unknown = await porchlight(["message", "direct", STRANGER, "hi"]);
    expect(unknown.code).toBe(4);
    expect(errorLine(unknown)).toMatch(/^porchlight: not found \(404, code 10013\)/);

    const channel = stack.emulator.world.createGuild({ name: "cli limited", channelNames: ["limited"] })
      .channelIds[0]!;
    // The bucket (5 per 5 s) is spent in-process: five CLI starts in a row would outlast its window.
    const client = new PorchlightClient({ url: stack.worker.url, key: LOCAL_PROXY_KEY });
    for (let n = 0; n < 5; n++) await client.messages.send(channel, { content: `m${n}` });
    const limited = await porchlight(["message", "channel", channel, "no", "--on-limit", "reject"]);
    expect(limited.code).toBe(5);
    expect(errorLine(limited)).toMatch(/^porchlight: rate limited \(429\).*retry after/);
  });
});
