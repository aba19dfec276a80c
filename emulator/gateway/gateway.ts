import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { GatewayCloseCodes, GatewayIntentBits, GatewayOpcodes } from "discord-api-types/v10";
import { WebSocket, WebSocketServer } from "ws";
import type { EmulatorConfig, EmulatorUrls } from "../config.ts";
import type { GuildDispatch, World } from "../world.ts";
import { SessionCommands, sendInvalidSession } from "./commands.ts";
import { type CloseInitiator, Connection, type ConnectionEvents } from "./connection.ts";
import { countClose, type GatewayCounters, newCounters } from "./counters.ts";
import { RECONNECT_FRAME } from "./frames.ts";
import type { Gateway, ShardState } from "./index.ts";
import type { SessionStartLimit } from "./limits.ts";
import {
  type ClientPayload,
  checkConnectQuery,
  clientCloseEndsSession,
  isRejection,
  isSendableCloseCode,
  serverCloseEndsSession,
} from "./protocol.ts";
import { Sessions } from "./sessions.ts";

/** After op 7, Discord closes the socket itself "a few seconds" later if the client has not. */
export const RECONNECT_GRACE_MS = 3_000;
/** On shutdown, sockets that do not finish the close handshake by then are dropped. */
const SHUTDOWN_GRACE_MS = 1_000;

/** Sockets, sessions and world events, wired together. Every rule it applies lives in a pure module. */
export class EmulatedGateway implements Gateway, ConnectionEvents {
  readonly #world: World;
  readonly #config: EmulatorConfig;
  readonly #urls: EmulatorUrls;
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  readonly #connections = new Set<Connection>();
  readonly #sessions: Sessions;
  readonly #commands: SessionCommands;
  readonly #counters = newCounters();
  #shutDown = false;

  constructor(deps: { world: World; config: EmulatorConfig; urls: EmulatorUrls }) {
    this.#world = deps.world;
    this.#config = deps.config;
    this.#urls = deps.urls;
    this.#sessions = new Sessions(deps.config.resumeWindowMs, this.#counters);
    this.#commands = new SessionCommands({ ...deps, sessions: this.#sessions, counters: this.#counters });
    this.#world.on("dispatch", this.#route);
  }

  // ---- connections ----

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#shutDown) {
      socket.destroy();
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req));
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? "/", this.#urls.http);
    const urlKind = url.pathname === new URL(this.#urls.resumeGateway).pathname ? "resume" : "gateway";
    this.#counters.connections += 1;
    if (urlKind === "resume") this.#counters.resume_url_connections += 1;
    const options = checkConnectQuery(url.searchParams);
    const zlibStream = !isRejection(options) && options.zlibStream;
    const connection = new Connection(ws, { urlKind, zlibStream, config: this.#config, events: this });
    this.#connections.add(connection);
    if (isRejection(options)) connection.close(options.close, options.reason);
    else connection.hello(this.#config.heartbeatIntervalMs, this.#config.heartbeatTimeoutMs);
  }

  onPayload(connection: Connection, { op, d }: ClientPayload): void {
    switch (op) {
      case GatewayOpcodes.Heartbeat:
        this.#counters.heartbeats += 1;
        connection.heartbeat();
        return;
      case GatewayOpcodes.Identify:
        if (connection.session)
          connection.close(GatewayCloseCodes.AlreadyAuthenticated, "Already authenticated");
        else this.#commands.identify(connection, d);
        return;
      case GatewayOpcodes.Resume:
        if (connection.session)
          connection.close(GatewayCloseCodes.AlreadyAuthenticated, "Already authenticated");
        else this.#commands.resume(connection, d);
        return;
      case GatewayOpcodes.RequestGuildMembers:
        this.#commands.requestMembers(connection, connection.session!, d);
        return;
      default:
      // Presence and voice state updates (ops 3, 4) and ops 31 and 43 are accepted and ignored: the
      // emulated bot has no presence or voice of its own. They still count toward the send limit.
    }
  }

  onClose(connection: Connection, code: number, by: CloseInitiator): void {
    countClose(this.#counters, by, code);
    this.#connections.delete(connection);
    const session = connection.session;
    if (!session) return;
    const ends = by === "client" ? clientCloseEndsSession(code) : serverCloseEndsSession(code);
    if (ends) this.#sessions.end(session);
    else this.#sessions.detach(session);
  }

  // ---- world events ----

  /** The hot path: one world event, serialised once, numbered and sent per subscribed session. */
  readonly #route = (event: GuildDispatch): void => {
    let dJson: string | undefined;
    let withoutContentJson: string | undefined;
    // Discord sends a DM's events on shard 0.
    const audience =
      event.guildId === null ? [this.#sessions.withShardId(0)] : this.#sessions.forGuild(event.guildId);
    for (const sessions of audience) {
      for (const session of sessions) {
        if (event.intent !== null && (session.intents & event.intent) === 0) continue;
        if (
          event.withoutContent !== undefined &&
          (session.intents & GatewayIntentBits.MessageContent) === 0
        ) {
          withoutContentJson ??= JSON.stringify(event.withoutContent);
          this.#sessions.dispatch(session, event.t, withoutContentJson);
          continue;
        }
        dJson ??= JSON.stringify(event.d);
        this.#sessions.dispatch(session, event.t, dJson);
      }
    }
  };

  // ---- controls ----

  #liveConnections(shardId: number): Connection[] {
    return this.#sessions
      .withShardId(shardId)
      .map((session) => this.#sessions.connectionOf(session))
      .filter((connection): connection is Connection => connection?.open === true);
  }

  reconnect(shardId: number): number {
    const connections = this.#liveConnections(shardId);
    for (const connection of connections) {
      connection.send(RECONNECT_FRAME);
      connection.closeAfter(RECONNECT_GRACE_MS, GatewayCloseCodes.UnknownError, "Reconnect requested");
    }
    return connections.length;
  }

  /** Op 9 on each live connection; the socket stays open, unauthenticated, for a RESUME or IDENTIFY. */
  invalidate(shardId: number, resumable: boolean): number {
    const connections = this.#liveConnections(shardId);
    for (const connection of connections) {
      const session = connection.session!;
      sendInvalidSession(connection, resumable, this.#counters);
      if (resumable) this.#sessions.detach(session);
      else this.#sessions.end(session);
    }
    return connections.length;
  }

  close(shardId: number, code: number): number {
    if (!isSendableCloseCode(code)) {
      throw new RangeError(`close code ${code} cannot be sent: use 1000-1003, 1007-1014 or 3000-4999`);
    }
    const connections = this.#liveConnections(shardId);
    for (const connection of connections) connection.close(code, "Closed by the emulator control API");
    return connections.length;
  }

  dropAcks(shardId: number): number {
    const connections = this.#liveConnections(shardId);
    for (const connection of connections) connection.acksDropped = true;
    return connections.length;
  }

  // ---- introspection ----

  shards(): ShardState[] {
    return this.#sessions.all().map((session) => {
      const connection = this.#sessions.connectionOf(session);
      return {
        session_id: session.id,
        shard_id: session.shardId,
        shard_count: session.shardCount,
        intents: session.intents,
        seq: session.seq,
        status: connection ? "connected" : "disconnected",
        connected_via: connection?.urlKind ?? null,
        buffered: session.buffered,
        large_threshold: session.largeThreshold,
        acks_dropped: connection?.acksDropped ?? false,
        identified_at: session.startedAt,
        presence: session.presence,
      };
    });
  }

  counters(): GatewayCounters {
    return { ...this.#counters, closes: { ...this.#counters.closes } };
  }

  sessionStartLimit(): SessionStartLimit {
    return this.#commands.sessionStartLimit();
  }

  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    this.#world.off("dispatch", this.#route);
    for (const connection of [...this.#connections]) connection.close(1001, "Emulator shutting down");
    for (const session of this.#sessions.all()) this.#sessions.end(session);
    await Promise.all([...this.#wss.clients].map((ws) => closedOrTerminated(ws, SHUTDOWN_GRACE_MS)));
    this.#wss.close();
  }
}

function closedOrTerminated(ws: WebSocket, graceMs: number): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), graceMs);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
