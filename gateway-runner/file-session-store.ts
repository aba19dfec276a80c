import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { type GatewaySession, GatewaySessions } from "../schemas/gateway-sessions.ts";
import type { SessionStore } from "./session-store.ts";

/**
 * Sessions in a JSON file ({"sessions": [...]}, the same document as the Worker's /ingest/sessions).
 * A write goes to a temporary file that is then renamed over the old one, so a crash mid-write
 * leaves the previous checkpoint whole rather than half a file.
 */
export class FileSessionStore implements SessionStore {
  readonly #path: string;
  readonly description: string;

  constructor(path: string) {
    this.#path = path;
    this.description = `file ${path}`;
  }

  async load(): Promise<GatewaySession[]> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${this.#path} is not JSON`);
    }
    const parsed = GatewaySessions.safeParse(json);
    if (!parsed.success)
      throw new Error(`${this.#path} is not a sessions document: ${parsed.error.issues[0]?.message}`);
    return parsed.data.sessions;
  }

  async save(sessions: GatewaySession[]): Promise<void> {
    const document = `${JSON.stringify(GatewaySessions.parse({ sessions }), null, 2)}\n`;
    const temporary = `${this.#path}.${process.pid}.tmp`;
    await mkdir(dirname(this.#path), { recursive: true });
    await writeFile(temporary, document, "utf8");
    await rename(temporary, this.#path);
  }
}
