import type { LogLevel } from "./config.ts";

/**
 * One JSON object per line on stderr, which is what container log collectors parse best. Callers
 * pass only what is safe to print: nothing here knows the token or the ingest secret, so no code
 * path can leak them by logging "the config".
 */

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const at =
    (name: Exclude<LogLevel, "silent">) =>
    (message: string, fields: LogFields = {}): void => {
      if (RANK[name] < RANK[level]) return;
      write(JSON.stringify({ time: new Date().toISOString(), level: name, msg: message, ...fields }));
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/**
 * A short, printable description of any thrown value (errors from fetch hide the cause one level
 * down), without the credentials of any URL in it: fetch refuses a URL with a user name or
 * password in a message that repeats the whole URL, and these descriptions are logged and shown
 * on /health.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return withoutCredentials(String(error));
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return withoutCredentials(`${error.message}${cause}`);
}

/** Text with the userinfo (`user:password@`) of every URL in it removed. */
export function withoutCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]*@/gi, "$1");
}
