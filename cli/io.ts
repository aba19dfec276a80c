/**
 * The process as commands see it, so that main() names every effect it has: output, the
 * environment, stdin, and Ctrl-C.
 */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  env: Record<string, string | undefined>;
  /** All of stdin, as text. */
  readStdin(): Promise<string>;
  /** Resolves on the first Ctrl-C (SIGINT) or SIGTERM. */
  interrupted(): Promise<void>;
}

export function processIo(): Io {
  let stop: Promise<void> | undefined;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    interrupted() {
      stop ??= new Promise((resolve) => {
        const done = () => {
          process.off("SIGINT", done);
          process.off("SIGTERM", done);
          resolve();
        };
        process.once("SIGINT", done);
        process.once("SIGTERM", done);
      });
      return stop;
    },
  };
}
