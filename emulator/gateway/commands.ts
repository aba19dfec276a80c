import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes } from "discord-api-types/v10";
import type { EmulatorConfig, EmulatorUrls } from "../config.ts";
import { shardForGuild } from "../snowflake.ts";
import type { World } from "../world.ts";
import type { Connection } from "./connection.ts";
import type { GatewayCounters } from "./counters.ts";
import { invalidSessionFrame } from "./frames.ts";
import { parseIdentify, parseResume } from "./identify.ts";
import {
  IdentifyBuckets,
  MemberRequestCooldown,
  SessionStartBudget,
  type SessionStartLimit,
} from "./limits.ts";
import { memberChunks, parseMemberRequest } from "./member-requests.ts";
import { guildCreatePayload, guildsOfShard, readyPayload, type SessionView } from "./payloads.ts";
import { isRejection } from "./protocol.ts";
import { Session } from "./session.ts";
import type { Sessions } from "./sessions.ts";

export interface CommandDeps {
  world: World;
  config: EmulatorConfig;
  urls: EmulatorUrls;
  sessions: Sessions;
  counters: GatewayCounters;
}

export function sendInvalidSession(
  connection: Connection,
  resumable: boolean,
  counters: GatewayCounters,
): void {
  counters.invalid_sessions += 1;
  connection.send(invalidSessionFrame(resumable));
}

/** What IDENTIFY, RESUME and op 8 do to sessions, and the limits that guard them. */
export class SessionCommands {
  readonly #world: World;
  readonly #config: EmulatorConfig;
  readonly #urls: EmulatorUrls;
  readonly #sessions: Sessions;
  readonly #counters: GatewayCounters;
  readonly #identifyBuckets: IdentifyBuckets;
  readonly #sessionStarts: SessionStartBudget;
  readonly #memberRequests: MemberRequestCooldown;

  constructor(deps: CommandDeps) {
    this.#world = deps.world;
    this.#config = deps.config;
    this.#urls = deps.urls;
    this.#sessions = deps.sessions;
    this.#counters = deps.counters;
    this.#identifyBuckets = new IdentifyBuckets(deps.config.maxConcurrency, deps.config.identifyIntervalMs);
    this.#sessionStarts = new SessionStartBudget(deps.config.sessionStartLimit, deps.config.maxConcurrency);
    this.#memberRequests = new MemberRequestCooldown(deps.config.memberRequestCooldownMs);
  }

  sessionStartLimit(): SessionStartLimit {
    return this.#sessionStarts.snapshot(Date.now());
  }

  identify(connection: Connection, d: unknown): void {
    const request = parseIdentify(d, this.#world.application);
    if (isRejection(request)) {
      connection.close(request.close, request.reason);
      return;
    }
    const guilds = guildsOfShard(this.#world, request.shardId, request.shardCount);
    if (guilds.length > this.#config.maxGuildsPerShard) {
      connection.close(
        GatewayCloseCodes.ShardingRequired,
        `Sharding required: shard ${request.shardId} would hold ${guilds.length} guilds`,
      );
      return;
    }
    const now = Date.now();
    // Discord resets the token of a bot that uses up its session starts; the next IDENTIFY fails.
    if (this.#sessionStarts.snapshot(now).remaining === 0) {
      connection.close(GatewayCloseCodes.AuthenticationFailed, "Session start limit exhausted");
      return;
    }
    if (!this.#identifyBuckets.tryIdentify(request.shardId, now)) {
      this.#counters.identifies_throttled += 1;
      sendInvalidSession(connection, false, this.#counters);
      return;
    }
    this.#sessionStarts.tryStart(now);
    this.#counters.identifies += 1;
    const session = new Session(request, this.#config.replayBufferSize);
    this.#sessions.start(session, connection);
    const view: SessionView = {
      ...request,
      sessionId: session.id,
      resumeGatewayUrl: this.#urls.resumeGateway,
    };
    this.#sessions.dispatch(
      session,
      GatewayDispatchEvents.Ready,
      JSON.stringify(readyPayload(this.#world, view, guilds)),
    );
    for (const guild of guilds) {
      const payload = guildCreatePayload(this.#world, guild, view);
      this.#sessions.dispatch(session, GatewayDispatchEvents.GuildCreate, JSON.stringify(payload));
    }
  }

  resume(connection: Connection, d: unknown): void {
    this.#counters.resumes += 1;
    if (this.#config.ignoreResume) {
      this.#counters.resumes_ignored += 1;
      return;
    }
    const request = parseResume(d, this.#world.application.botToken);
    if (isRejection(request)) {
      connection.close(request.close, request.reason);
      return;
    }
    const session = this.#sessions.get(request.sessionId);
    if (!session) {
      sendInvalidSession(connection, false, this.#counters);
      return;
    }
    const frames = session.framesAfter(request.seq);
    if (frames === "future") {
      this.#sessions.end(session);
      connection.close(GatewayCloseCodes.InvalidSeq, `Invalid seq: ${request.seq} was never sent`);
      return;
    }
    if (frames === "too-old") {
      this.#sessions.end(session);
      sendInvalidSession(connection, false, this.#counters);
      return;
    }
    const previous = this.#sessions.connectionOf(session);
    if (previous) {
      // A zombie connection still holds the session: the newest connection wins, the old one is closed.
      previous.session = null;
      previous.close(GatewayCloseCodes.UnknownError, "Session resumed on another connection");
    }
    this.#sessions.attach(session, connection);
    for (const frame of frames) connection.send(frame);
    this.#counters.replayed += frames.length;
    this.#counters.resumed += 1;
    this.#sessions.dispatch(session, GatewayDispatchEvents.Resumed, "{}");
  }

  requestMembers(connection: Connection, session: Session, d: unknown): void {
    this.#counters.member_requests += 1;
    const request = parseMemberRequest(d, session.intents);
    if (isRejection(request)) {
      connection.close(request.close, request.reason);
      return;
    }
    const guild = this.#world.guilds.get(request.guildId);
    // Discord documents no error for a guild the session does not hold (another shard's, or unknown):
    // nothing is sent, so a library waiting for chunks times out, and the counter shows why.
    if (!guild || shardForGuild(guild.id, session.shardCount) !== session.shardId) {
      this.#counters.member_requests_ignored += 1;
      return;
    }
    if (request.kind === "all") {
      const waitMs = this.#memberRequests.tryRequest(guild.id, Date.now());
      if (waitMs > 0) {
        this.#counters.member_requests_rate_limited += 1;
        const meta = { guild_id: guild.id, ...(request.nonce !== undefined ? { nonce: request.nonce } : {}) };
        const rateLimited = { opcode: GatewayOpcodes.RequestGuildMembers, retry_after: waitMs / 1000, meta };
        this.#sessions.dispatch(session, GatewayDispatchEvents.RateLimited, JSON.stringify(rateLimited));
        return;
      }
    }
    for (const chunk of memberChunks(this.#world, guild, request)) {
      this.#sessions.dispatch(session, GatewayDispatchEvents.GuildMembersChunk, JSON.stringify(chunk));
    }
  }
}
