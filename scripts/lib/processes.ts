import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

/**
 * Starts a project process (the emulator, later the runner and the Worker) as a child, so it has a
 * core of its own rather than sharing the benchmark's event loop, and resolves with the first line
 * matching `ready`.
 */
export async function spawnUntilReady(
  args: string[],
  ready: RegExp,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ child: ChildProcess; match: RegExpMatchArray; stop(): Promise<void> }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args.join(" ")} not ready in time`)),
      options.timeoutMs ?? 30_000,
    );
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code} before ready`)));
    lines.on("line", (line) => {
      const m = line.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
  return {
    child,
    match,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Starts the emulator in its own process and returns its base URL and bot token. */
export async function spawnEmulator(extraArgs: string[] = []) {
  const proc = await spawnUntilReady(
    ["emulator/cli.ts", "--port", "0", ...extraArgs],
    /emulator ready: (\S+) .* token=(\S+)/,
  );
  const [, http, token] = proc.match;
  return { ...proc, http: http!, token: token! };
}
