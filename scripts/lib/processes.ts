import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";

/**
 * Child processes of the local stack (the emulator, the Worker under wrangler dev, the gateway
 * runner), shared by `npm start`, the end-to-end tests and the benchmarks. Each piece runs in its
 * own process, as in production, and gets a core of its own rather than sharing an event loop.
 */

/** Environment for anything that runs workerd: never reach Cloudflare for the Request.cf object or telemetry. */
export const OFFLINE_WRANGLER_ENV = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
};

export interface Child {
  child: ChildProcess;
  /** The first line that matched the ready pattern, if one was given. */
  match: RegExpMatchArray | null;
  /** Its last lines of output (stdout and stderr, at most 50), to explain an exit. */
  output: readonly string[];
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Resolve once a line of stdout matches this. */
  ready?: RegExp;
  /** Or once this URL answers 200. */
  readyUrl?: string;
  timeoutMs?: number;
  /** Also print the child's output, each line prefixed with its label. */
  echo?: boolean;
  /** Hears every line of output as it comes. */
  onLine?: (line: string) => void;
  /** Lines that explain nothing about an exit (a log of each request, say): not kept in `output`. */
  forget?: (line: string) => boolean;
  /**
   * Where the child's standard output goes, unread by this process (a stream with a file
   * descriptor: another child's stdin); then only stderr is read, and `ready` cannot match.
   */
  stdout?: Writable | "ignore";
  label: string;
}

/** A port nobody is listening on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

export async function spawnChild(command: string, args: string[], options: SpawnOptions): Promise<Child> {
  // Each child leads its own process group, so stopping it also stops what it spawned: `npx
  // wrangler dev` is npx, then wrangler's launcher, then wrangler, then workerd.
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", options.stdout ?? "pipe", "pipe"],
    detached: true,
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  // Never leave a group behind when this process exits, whatever the reason.
  const onExit = () => killGroup("SIGKILL");
  process.once("exit", onExit);
  child.once("exit", () => process.off("exit", onExit));
  // The last lines of output, to explain a child that dies, before it is ready or after.
  const output: string[] = [];
  let onReadyLine: ((line: string) => void) | undefined;
  const remember = (line: string) => {
    if (!options.forget?.(line)) {
      output.push(line);
      if (output.length > 50) output.shift();
    }
    if (options.echo) console.log(`[${options.label}] ${line}`);
    options.onLine?.(line);
    onReadyLine?.(line);
  };
  if (child.stdout) createInterface({ input: child.stdout }).on("line", remember);
  if (child.stderr) createInterface({ input: child.stderr }).on("line", remember);

  const match = await new Promise<RegExpMatchArray | null>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`${options.label}: ${why}\n${output.join("\n")}`));
    const timer = setTimeout(() => fail("not ready in time"), options.timeoutMs ?? 60_000);
    child.once("exit", (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
    const done = (m: RegExpMatchArray | null) => {
      clearTimeout(timer);
      resolve(m);
    };
    if (options.ready) {
      const pattern = options.ready;
      onReadyLine = (line) => {
        const m = line.match(pattern);
        if (m) {
          onReadyLine = undefined;
          done(m);
        }
      };
    }
    if (options.readyUrl) {
      const url = options.readyUrl;
      const poll = async () => {
        while (child.exitCode === null) {
          const ok = await fetch(url).then(
            (res) => res.ok,
            () => false,
          );
          if (ok) return done(null);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      void poll();
    }
  });

  return {
    child,
    match,
    output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) {
        killGroup("SIGKILL");
        return;
      }
      const exited = once(child, "exit");
      killGroup(signal);
      const timer = setTimeout(() => killGroup("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      // Whatever the leader left running (workerd under wrangler) goes with it.
      killGroup("SIGKILL");
    },
  };
}

/** Runs one of the project's TypeScript entry points under the project's Node. */
export function spawnNode(script: string, args: string[], options: SpawnOptions): Promise<Child> {
  return spawnChild(process.execPath, [script, ...args], options);
}
