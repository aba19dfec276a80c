import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { HealthReport } from "./health.ts";
import type { RunnerMetrics } from "./metrics.ts";

/**
 * The runner's only listening socket: GET /metrics (Prometheus text) and GET /health (200 or 503,
 * with JSON details either way). Nothing here can change the runner's state.
 */
export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export async function startOpsServer(options: {
  host: string;
  port: number;
  metrics: RunnerMetrics;
  health: () => Promise<HealthReport>;
}): Promise<OpsServer> {
  const { registry } = options.metrics;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://runner").pathname;
    const answer = async () => {
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      } else if (path === "/metrics") {
        const text = await registry.metrics();
        res.writeHead(200, { "content-type": registry.contentType }).end(text);
      } else if (path === "/health") {
        const report = await options.health();
        res
          .writeHead(report.healthy ? 200 : 503, { "content-type": "application/json" })
          .end(`${JSON.stringify(report.body)}\n`);
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics or /health\n");
      }
    };
    answer().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`internal error: ${(error as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
