import { randomBytes } from "node:crypto";
import type {
  GatewayGuildMembersChunkDispatchData,
  GatewayRateLimitedDispatchData,
  GatewayRequestGuildMembersDataWithQuery,
} from "discord-api-types/v10";
import { GatewayOpcodes } from "discord-api-types/v10";
import { describeError, type Logger } from "./log.ts";
import type { RunnerMetrics } from "./metrics.ts";

/**
 * All-member requests (op 8 with query "" and limit 0, presences included), one guild at a time,
 * from send to the last chunk. Discord allows one such request per guild per 30 s and answers
 * an early one with a RATE_LIMITED dispatch carrying retry_after; the request is then sent again
 * (same nonce) once that has passed. Chunks are matched to their request by nonce, so a complete
 * member list can be recognised and reconciled (see PresenceRouter.completeMemberList).
 */

/** Added to retry_after so that clock granularity never lands the retry inside the cooldown. */
export const RETRY_MARGIN_MS = 250;

export type SendMemberRequest = (
  shardId: number,
  data: GatewayRequestGuildMembersDataWithQuery,
) => Promise<void>;

interface PendingRequest {
  guildId: string;
  shardId: number;
  nonce: string;
  retry: NodeJS.Timeout | null;
  chunkCount: number | null;
  chunksSeen: Set<number>;
  memberIds: Set<string>;
}

export class MemberRequests {
  readonly #send: SendMemberRequest;
  readonly #metrics: RunnerMetrics;
  readonly #log: Logger;
  readonly #byGuild = new Map<string, PendingRequest>();
  readonly #byNonce = new Map<string, PendingRequest>();

  constructor(deps: { send: SendMemberRequest; metrics: RunnerMetrics; log: Logger }) {
    this.#send = deps.send;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
  }

  /** Requests every member of the guild, replacing any request still pending for it. */
  request(guildId: string, shardId: number): void {
    this.#forget(guildId);
    // 16 hex characters: well inside Discord's 32-byte limit on nonces.
    const request: PendingRequest = {
      guildId,
      shardId,
      nonce: randomBytes(8).toString("hex"),
      retry: null,
      chunkCount: null,
      chunksSeen: new Set(),
      memberIds: new Set(),
    };
    this.#byGuild.set(guildId, request);
    this.#byNonce.set(request.nonce, request);
    this.#dispatch(request);
  }

  isPending(guildId: string): boolean {
    return this.#byGuild.has(guildId);
  }

  /** RATE_LIMITED: send the request again once Discord's retry_after has passed. */
  onRateLimited(d: GatewayRateLimitedDispatchData): void {
    if (d.opcode !== GatewayOpcodes.RequestGuildMembers) return;
    const request =
      (d.meta.nonce !== undefined ? this.#byNonce.get(d.meta.nonce) : undefined) ??
      this.#byGuild.get(d.meta.guild_id);
    if (!request) return;
    const delayMs = Math.max(0, d.retry_after * 1000) + RETRY_MARGIN_MS;
    this.#metrics.memberRequests.inc({ outcome: "rate_limited" });
    this.#log.info("member request rate limited; retrying", {
      guild_id: request.guildId,
      retry_in_ms: delayMs,
    });
    if (request.retry) clearTimeout(request.retry);
    request.retry = setTimeout(() => {
      request.retry = null;
      this.#dispatch(request);
    }, delayMs);
  }

  /** Counts a chunk; when it completes its request, returns the guild and every member id it listed. */
  onChunk(d: GatewayGuildMembersChunkDispatchData): { guildId: string; memberIds: Set<string> } | null {
    const request = d.nonce !== undefined ? this.#byNonce.get(d.nonce) : undefined;
    if (!request) return null;
    request.chunkCount = d.chunk_count;
    request.chunksSeen.add(d.chunk_index);
    for (const member of d.members ?? []) if (member.user?.id) request.memberIds.add(member.user.id);
    if (request.chunksSeen.size < request.chunkCount) return null;
    this.#forget(request.guildId);
    this.#metrics.memberRequests.inc({ outcome: "completed" });
    this.#log.info("member list complete", { guild_id: request.guildId, members: request.memberIds.size });
    return { guildId: request.guildId, memberIds: request.memberIds };
  }

  stop(): void {
    for (const guildId of [...this.#byGuild.keys()]) this.#forget(guildId);
  }

  #dispatch(request: PendingRequest): void {
    this.#metrics.memberRequests.inc({ outcome: "sent" });
    const data = { guild_id: request.guildId, query: "", limit: 0, presences: true, nonce: request.nonce };
    this.#send(request.shardId, data).catch((error: unknown) => {
      // Forgotten, so that the shard's next RESUMED or GUILD_CREATE asks again.
      if (this.#byNonce.get(request.nonce) === request) this.#forget(request.guildId);
      this.#log.warn("member request could not be sent", {
        guild_id: request.guildId,
        error: describeError(error),
      });
    });
  }

  #forget(guildId: string): void {
    const request = this.#byGuild.get(guildId);
    if (!request) return;
    if (request.retry) clearTimeout(request.retry);
    this.#byGuild.delete(guildId);
    this.#byNonce.delete(request.nonce);
  }
}
