import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/**
 * Debian's Chromium (scripts/install-chromium.sh; playwright-core drives it and never downloads a
 * browser) in a throwaway profile, with every request that would leave the machine refused and
 * remembered, so a browser test can fail on any of them.
 */

const CHROMIUM = "/usr/bin/chromium";
// The flags the project runs Chromium with: nothing in the background may reach the network.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const isLoopback = (url: string) => {
  const { protocol, hostname } = new URL(url);
  return (
    protocol === "data:" ||
    protocol === "blob:" ||
    hostname === "127.0.0.1" ||
    hostname === "localhost" ||
    hostname === "[::1]"
  );
};

export interface OfflineChromium {
  context: BrowserContext;
  page: Page;
  /** Every request the pages made, WebSocket upgrades included. */
  requests: string[];
  /** The requests refused for leaving the machine: a test expects none. */
  blocked: string[];
  close(): Promise<void>;
}

export async function launchOfflineChromium(
  options: {
    viewport?: { width: number; height: number };
    /** Added to this process's environment for the browser (a FONTCONFIG_FILE, say). */
    env?: Record<string, string>;
  } = {},
): Promise<OfflineChromium> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/install-chromium.sh (as root)`);
  const profile = mkdtempSync(join(tmpdir(), "porchlight-chromium-"));
  const requests: string[] = [];
  const blocked: string[] = [];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: FLAGS,
    ...(options.viewport ? { viewport: options.viewport } : {}),
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isLoopback(url)) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  context.on("request", (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  // Routes do not see sockets: count them here, so a socket to elsewhere fails the test too.
  page.on("websocket", (socket) => requests.push(socket.url()));
  return {
    context,
    page,
    requests,
    blocked,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
