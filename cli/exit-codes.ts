import { PorchlightHttpError, PorchlightNetworkError, PorchlightTimeoutError } from "../client/index.ts";

/**
 * What `porchlight` exits with, one code per kind of failure a script would handle differently
 * (cli/README.md and every --help list them), and the one line it prints on stderr.
 */

export const EXIT = {
  ok: 0,
  other: 1,
  /** A bad command, flag or argument, or input the server refused as invalid (400, 413). */
  usage: 2,
  /** The key or token was refused, or Discord says the bot may not do this (401, 403). */
  unauthorized: 3,
  /** No such user, channel, message, guild or key, or the user is not monitored (404). */
  notFound: 4,
  rateLimited: 5,
  /** No answer within --timeout, or the server's own deadline passed. */
  timeout: 6,
  /** Porchlight could not be reached, or Discord is unavailable (502, 503). */
  unavailable: 7,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  anything else
  2  usage: a bad command, flag or argument, or input the server refused (400)
  3  unauthorized: the key or token was refused, or the bot lacks permission (401, 403)
  4  not found: no such user, channel, message, guild or key; or not monitored (404)
  5  rate limited (429)
  6  timeout: no answer within --timeout, or the server's deadline passed (504)
  7  network: Porchlight unreachable, or Discord unavailable (502, 503)`;

/** A mistake in how the command was called: exit 2, with the help that explains it. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The subscription, or something else that knows the kind, ended the command. */
export class CliFailure extends Error {
  override name = "CliFailure";
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof CliFailure) return error.exitCode;
  if (error instanceof PorchlightTimeoutError) return EXIT.timeout;
  if (error instanceof PorchlightNetworkError) return EXIT.unavailable;
  if (!(error instanceof PorchlightHttpError)) return EXIT.other;
  const { type, status } = error;
  if (type === "unauthorized" || status === 401 || status === 403) return EXIT.unauthorized;
  if (type === "not_found" || status === 404 || error.upstreamStatus === 404) return EXIT.notFound;
  if (type === "rate_limited" || status === 429) return EXIT.rateLimited;
  if (type === "timeout" || status === 504 || status === 408) return EXIT.timeout;
  if (type === "discord_unavailable" || status === 502 || status === 503) return EXIT.unavailable;
  if (type === "invalid_input" || status === 400 || status === 413) return EXIT.usage;
  return EXIT.other;
}

const LABELS: Record<number, string> = {
  [EXIT.usage]: "invalid input",
  [EXIT.unauthorized]: "unauthorized",
  [EXIT.notFound]: "not found",
  [EXIT.rateLimited]: "rate limited",
  [EXIT.timeout]: "timed out",
  [EXIT.unavailable]: "unavailable",
};

/** The one line on stderr, without the program's name. */
export function describeFailure(error: unknown): string {
  if (error instanceof UsageError || error instanceof CliFailure) return error.message;
  if (error instanceof PorchlightTimeoutError) return `timed out: ${error.message}`;
  if (error instanceof PorchlightNetworkError) return `network error: ${error.message}`;
  if (error instanceof PorchlightHttpError) {
    const label = LABELS[exitCodeFor(error)] ?? "failed";
    const details = [String(error.status)];
    if (error.code !== 0 && error.code !== "") details.push(`code ${error.code}`);
    let line = `${label} (${details.join(", ")}): ${error.text}`;
    if (error.path?.length) line += ` [at ${error.path.join(".")}]`;
    if (error.retryAfter !== undefined) line += ` (retry after ${error.retryAfter} s)`;
    return line;
  }
  return error instanceof Error ? error.message : String(error);
}
