import { type ChildProcess, spawn } from "node:child_process";
import { waitFor } from "./wait.ts";

/**
 * `node gateway-runner/main.ts` as a child process, configured through its environment as a
 * container would be. Its JSON log lines (stderr) are kept so tests can wait for what it says, and
 * its standard output's lines (the stdout event sink) as `output`.
 */
export class RunnerProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  /** Standard output, line by line: the stdout sink's events. */
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = "";

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ["gateway-runner/main.ts"], {
      env: { PATH: process.env.PATH ?? "", ...env, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partialOutput = "";
    this.child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      if (process.env.RUNNER_TEST_LOG) process.stdout.write(text);
      const lines = (partialOutput + text).split("\n");
      partialOutput = lines.pop()!;
      this.output.push(...lines);
    });
    let partial = "";
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      this.stderr += text;
      if (process.env.RUNNER_TEST_LOG) process.stderr.write(text);
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.lines.push({ msg: line });
        }
      }
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve({ code, signal })),
    );
  }

  said(message: string): boolean {
    return this.lines.some((line) => line.msg === message);
  }

  async waitToSay(message: string, timeoutMs?: number): Promise<void> {
    await waitFor(`the runner to say "${message}"`, () => this.said(message), {
      timeoutMs,
      describe: () => this.lines.slice(-8),
    });
  }

  /** The port of /metrics and /health, from the start-up line. */
  get opsPort(): number {
    const line = this.lines.find((l) => l.msg === "gateway runner starting");
    return Number(new URL(String(line?.ops)).port);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
