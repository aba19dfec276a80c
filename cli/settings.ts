import { LOCAL_PROXY_KEY } from "../settings/local.ts";
import { UsageError } from "./exit-codes.ts";

/**
 * Where the CLI talks to and with what, from its flags or else the environment: PORCHLIGHT_URL,
 * PORCHLIGHT_KEY, PORCHLIGHT_TOKEN. With neither, it talks to `npm start`'s Worker with
 * `npm start`'s documented local proxy key, and only then: that key is public, so it is never
 * sent anywhere but this machine.
 */

export const DEFAULT_URL = "http://127.0.0.1:8787";

export { LOCAL_PROXY_KEY };

export interface Settings {
  url: string;
  key: string | undefined;
  token: string | undefined;
  timeoutMs: number | undefined;
}

export interface SettingFlags {
  url?: string;
  key?: string;
  token?: string;
  timeout?: string;
}

export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export function readSettings(flags: SettingFlags, env: Record<string, string | undefined>): Settings {
  const raw = flags.url ?? (env.PORCHLIGHT_URL || DEFAULT_URL);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url must be a URL, like ${DEFAULT_URL} (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url must be http or https (got ${url.protocol})`);
  }
  const key = flags.key ?? (env.PORCHLIGHT_KEY || (isLoopback(url) ? LOCAL_PROXY_KEY : undefined));
  const token = flags.token ?? (env.PORCHLIGHT_TOKEN || undefined);
  let timeoutMs: number | undefined;
  if (flags.timeout !== undefined) {
    timeoutMs = Number(flags.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new UsageError(
        `--timeout must be a whole number of milliseconds (got ${JSON.stringify(flags.timeout)})`,
      );
    }
  }
  return { url: url.origin + url.pathname.replace(/\/+$/, ""), key, token, timeoutMs };
}
