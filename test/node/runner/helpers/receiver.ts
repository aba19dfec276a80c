import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decideLease, heldByOthers, type LeaseRow } from "../../../../durable-objects/shard-leases.ts";
import { EventBatch, type ForwardedEvent } from "../../../../schemas/gateway-events.ts";
import {
  type GatewaySession,
  LeaseRelease,
  LeaseRequest,
  SessionsSave,
} from "../../../../schemas/gateway-sessions.ts";
import { type DiscordProfile, IngestBatch, type Presence } from "../../../../schemas/ingest.ts";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyIngest } from "../../../../schemas/ingest-signature.ts";

/**
 * A real HTTP server standing in for the Worker's ingest routes. It checks every signature with
 * schemas/ingest-signature.ts and parses every batch with schemas/ingest.ts, and folds deltas into
 * per-user state the way the Worker does: a delta applies only if its version is newer.
 */

export interface UserRecord {
  version: number;
  user?: DiscordProfile;
  membership?: { joined_at: string; guild_ids?: string[] } | null;
  presence?: Presence;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  batchId?: string;
  deltas?: number;
  error?: string;
}

/** Decides the status of a valid batch; null lets it through. */
export type Override = (batch: IngestBatch) => number | null;

export class IngestReceiver {
  /** Mutable, so a test can "fix the configuration" of a Worker that refused the runner's secret. */
  secret: string;
  readonly users = new Map<string, UserRecord>();
  readonly batches: IngestBatch[] = [];
  readonly requests: RequestRecord[] = [];
  sessions: GatewaySession[] = [];
  sessionWrites = 0;
  /** Shard leases, decided by the Worker's own rules (durable-objects/shard-leases.ts). */
  leases: LeaseRow[] = [];
  override: Override | null = null;
  /** What POST /ingest/events put on "the queue", in arrival order, duplicates included. */
  readonly events: ForwardedEvent[] = [];
  /** POST /ingest/events answers this status instead, while set (a Worker whose queue fails). */
  eventsStatus: number | null = null;
  /** The next batch is recorded, then answered only once this settles (a batch kept in flight). */
  holdNext: Promise<void> | null = null;
  /** GET /ingest/guilds/:id/members answers 503 this many more times (a Worker failing for a while). */
  memberPagesFailing = 0;
  /** Replaces what GET /ingest/guilds/:id/members answers: a Worker whose pages are wrong. */
  memberPage: ((guildId: string, after: string, limit: number) => unknown) | null = null;
  /** GET /ingest/guilds/:id/members answers this status instead (404: a Worker without the route). */
  memberPagesStatus: number | null = null;
  /** Every request is answered 307 to this URL (a Worker that moved, or a hostile one). */
  redirectTo: string | null = null;
  #server: Server | null = null;
  #port = 0;

  private constructor(secret: string) {
    this.secret = secret;
  }

  static async start(secret: string): Promise<IngestReceiver> {
    const receiver = new IngestReceiver(secret);
    await receiver.open();
    return receiver;
  }

  get ingestUrl(): string {
    return `http://127.0.0.1:${this.#port}/ingest`;
  }

  /** Starts listening, on the same port as before if it listened already. */
  async open(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and drops open connections: the Worker is unreachable until open(). */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Requests answered with `status`. */
  count(status: number): number {
    return this.requests.filter((r) => r.status === status).length;
  }

  /**
   * What the Worker's GET /ingest/guilds/:id/members answers: the users whose latest membership names
   * the guild, in id (text) order, `limit` at a time after `after`.
   */
  guildMembers(guildId: string, after: string, limit: number): { user_ids: string[]; next: string | null } {
    const ids = [...this.users]
      .filter(([id, u]) => id > after && u.membership?.guild_ids?.includes(guildId))
      .map(([id]) => id)
      .sort();
    const page = ids.slice(0, limit);
    return { user_ids: page, next: ids.length > limit ? page.at(-1)! : null };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const path = new URL(req.url ?? "/", "http://receiver").pathname;
    const record: RequestRecord = { method: req.method ?? "", path, status: 0 };
    const reply = (status: number, json: unknown) => {
      record.status = status;
      this.requests.push(record);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    };
    if (this.redirectTo) {
      record.status = 307;
      this.requests.push(record);
      res.writeHead(307, { location: this.redirectTo }).end();
      return;
    }
    const verdict = await verifyIngest(
      this.secret,
      { signature: header(req, SIGNATURE_HEADER), timestamp: header(req, TIMESTAMP_HEADER) },
      { method: req.method ?? "", path: req.url ?? "/" },
      body,
    );
    if (!verdict.ok) {
      record.error = verdict.reason;
      return reply(401, { error: verdict.reason });
    }
    if (path === "/ingest/sessions") return this.#sessionsRoute(req.method ?? "", body, reply, record);
    if (path === "/ingest/leases") return this.#leasesRoute(req.method ?? "", body, reply);
    if (path === "/ingest/events" && req.method === "POST") {
      const parsed = EventBatch.safeParse(JSON.parse(body));
      if (!parsed.success) return reply(400, { error: parsed.error.issues[0]?.message });
      if (this.eventsStatus !== null) return reply(this.eventsStatus, { error: "failing on purpose" });
      this.events.push(...parsed.data.events);
      return reply(200, { batch_id: parsed.data.batch_id, queued: parsed.data.events.length });
    }
    const guildMembers = path.match(/^\/ingest\/guilds\/(\d+)\/members$/);
    if (guildMembers && req.method === "GET") {
      if (this.memberPagesFailing > 0) {
        this.memberPagesFailing -= 1;
        return reply(503, { error: "failing on purpose" });
      }
      if (this.memberPagesStatus !== null) return reply(this.memberPagesStatus, { error: "not found" });
      const query = new URL(req.url ?? "/", "http://receiver").searchParams;
      const limit = Number(query.get("limit") ?? 1000);
      const answer = this.memberPage ?? ((guildId, after, n) => this.guildMembers(guildId, after, n));
      return reply(200, answer(guildMembers[1]!, query.get("after") ?? "", limit));
    }
    if (path !== "/ingest" || req.method !== "POST") return reply(404, { error: "not found" });
    let parsed: ReturnType<typeof IngestBatch.safeParse>;
    try {
      parsed = IngestBatch.safeParse(JSON.parse(body));
    } catch {
      record.error = "not JSON";
      return reply(400, { error: "not JSON" });
    }
    if (!parsed.success) {
      record.error = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      return reply(400, { error: record.error });
    }
    const batch = parsed.data;
    record.batchId = batch.batch_id;
    record.deltas = batch.deltas.length;
    const forced = this.override?.(batch) ?? null;
    if (forced !== null) return reply(forced, { error: `forced ${forced}` });
    this.batches.push(batch);
    const hold = this.holdNext;
    this.holdNext = null;
    if (hold) await hold;
    let applied = 0;
    for (const delta of batch.deltas) {
      const current = this.users.get(delta.user_id) ?? { version: 0 };
      if (delta.version <= current.version) continue;
      applied += 1;
      current.version = delta.version;
      if (delta.user !== undefined) current.user = delta.user;
      if (delta.membership !== undefined) current.membership = delta.membership;
      if (delta.presence !== undefined) current.presence = delta.presence;
      this.users.set(delta.user_id, current);
    }
    reply(200, { batch_id: batch.batch_id, applied, stale: batch.deltas.length - applied });
  }

  #sessionsRoute(
    method: string,
    body: string,
    reply: (status: number, json: unknown) => void,
    record: RequestRecord,
  ): void {
    if (method === "GET") {
      reply(200, { sessions: this.sessions });
    } else if (method !== "PUT") {
      reply(405, { error: "method not allowed" });
    } else {
      const parsed = SessionsSave.safeParse(JSON.parse(body || "null"));
      if (parsed.success) {
        const save = parsed.data;
        if (
          save.runner_id &&
          heldByOthers(this.leases, save.runner_id, save.shard_ids, Date.now()).length > 0
        ) {
          reply(409, { error: "another runner holds the lease" });
          return;
        }
        this.sessions = [
          ...this.sessions.filter((session) => !save.shard_ids.includes(session.shard_id)),
          ...save.sessions,
        ].sort((a, b) => a.shard_id - b.shard_id);
        this.sessionWrites += 1;
        reply(200, { ok: true });
      } else {
        record.error = "invalid sessions";
        reply(400, { error: "invalid sessions" });
      }
    }
  }

  #leasesRoute(method: string, body: string, reply: (status: number, json: unknown) => void): void {
    const json = JSON.parse(body || "null");
    if (method === "POST") {
      const request = LeaseRequest.parse(json);
      const { answer, write } = decideLease(this.leases, request, Date.now());
      const written = new Set(write.map((row) => row.shard_id));
      this.leases = [...this.leases.filter((row) => !written.has(row.shard_id)), ...write];
      reply(200, answer);
      return;
    }
    if (method === "DELETE") {
      const release = LeaseRelease.parse(json);
      this.leases = this.leases.filter(
        (row) => !(row.runner_id === release.runner_id && release.shard_ids.includes(row.shard_id)),
      );
      reply(200, { ok: true });
      return;
    }
    reply(405, { error: "method not allowed" });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
