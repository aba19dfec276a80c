import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A counting pass-through in front of the emulator's CDN, on loopback: the Worker's CDN bases point
 * here, so a test or benchmark can tell how many image fetches the cards made (the emulator itself
 * keeps no CDN counters). Every request is forwarded to `target` unchanged and answered with what
 * came back.
 */

export interface CountingCdn {
  url: string;
  /** Requests seen so far, by path with its query. */
  requests: string[];
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingCdn(target: string): Promise<CountingCdn> {
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    requests.push(req.url ?? "");
    try {
      const upstream = await fetch(`${target}${req.url}`, { method: req.method });
      const body = Buffer.from(await upstream.arrayBuffer());
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "cache-control", "etag"]) {
        const value = upstream.headers.get(name);
        if (value) headers[name] = value;
      }
      res.writeHead(upstream.status, { ...headers, "content-length": String(body.length) }).end(body);
    } catch {
      res.writeHead(502).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset: () => {
      requests.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
