import { once } from "node:events";
import { createServer } from "node:net";
import { StartError } from "./start-settings.ts";

/**
 * Resolves once nobody listens on `host`:`port`; otherwise a StartError naming `name`, the
 * variable that moves the port, so a port already taken is one line saying what to change rather
 * than a child's stack trace.
 */
export async function ensurePortFree(port: number, host: string, name: string): Promise<void> {
  const server = createServer();
  server.listen(port, host);
  try {
    await once(server, "listening");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new StartError(
        `port ${port} is in use; set ${name} to a free port (${name}=${port + 1} npm start)`,
      );
    throw new StartError(
      `cannot listen on ${host}:${port} (${code ?? (error as Error).message}); set ${name}`,
    );
  }
  server.close();
  await once(server, "close");
}
