import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { proxyRequests } from "@discordjs/proxy";
import { REST } from "@discordjs/rest";

/**
 * @discordjs/proxy as its README hosts it, in a process of its own for bench/proxy.ts:
 * `node bench/lib/djs-proxy.ts <emulator api base> <queue|reject>`. `queue` is @discordjs/rest's
 * defaults (it waits and retries); `reject` is the published container's settings
 * (`rejectOnRateLimit: () => true, retries: 0`). Callers send the bot's own token.
 */

const [api, mode] = process.argv.slice(2);
if (!api || (mode !== "queue" && mode !== "reject")) {
  console.error("usage: node bench/lib/djs-proxy.ts <api base> <queue|reject>");
  process.exit(2);
}
const rest = new REST(mode === "reject" ? { api, rejectOnRateLimit: () => true, retries: 0 } : { api });
const server = createServer(proxyRequests(rest));
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(`djs proxy ready: http://127.0.0.1:${port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
