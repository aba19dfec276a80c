import { SEED, SEED_MEMBERS } from "../../emulator/seed.ts";
import type { Emulator } from "../../emulator/server.ts";
import type { RawActivity, UserDeltaInput } from "../../schemas/ingest.ts";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";
import type { WorkerProcess } from "../../scripts/lib/local-stack.ts";
import { type CountingCdn, startCountingCdn } from "./card-cdn-counter.ts";
import { startWorkerStack } from "./stack.ts";

/**
 * What card tests and the card benchmark run against: the emulator in this process (its CDN draws
 * every image), a counting pass-through in front of that CDN, and the Worker under wrangler dev
 * with all three CDN bases pointed at the pass-through. Presences go in by signed POST /ingest,
 * as the gateway runner would send them, so no gateway session is needed. All on loopback.
 */

export interface CardStack {
  emulator: Emulator;
  cdn: CountingCdn;
  worker: WorkerProcess;
  /** The ingest secret the Worker holds, for a gateway runner in front of it. */
  secret: string;
  /** Sends one signed ingest batch; throws unless every delta applied. */
  ingest(deltas: UserDeltaInput[]): Promise<void>;
  /** Ingests members of the seeded guild as the emulator has them: profile, membership, presence. */
  ingestMembers(userIds: readonly string[]): Promise<void>;
  /** Ingests the seeded members (ada listens to Spotify, grace plays). */
  ingestSeededMembers(): Promise<void>;
  cardUrl(userId: string, query?: string): string;
  stop(): Promise<void>;
}

let version = Date.now() * 1000;
/** Versions as the runner makes them: strictly increasing. */
export const nextVersion = () => ++version;

export async function startCardStack(
  options: { echo?: boolean; vars?: Record<string, string> } = {},
): Promise<CardStack> {
  let cdn: CountingCdn | undefined;
  const { emulator, worker, secret, stop } = await startWorkerStack({
    // The pass-through stands in for all three image bases, the media proxy's included, so no
    // card fetch can leave the machine.
    images: async (emulatorHttp) => (cdn = await startCountingCdn(emulatorHttp)),
    workerVars: options.vars,
    echo: options.echo,
  });
  const workerUrl = worker.url;
  const world = emulator.world;

  const ingest = async (deltas: UserDeltaInput[]) => {
    const body = JSON.stringify({ batch_id: `cards-${nextVersion()}`, deltas });
    const res = await fetch(`${workerUrl}/ingest`, {
      method: "POST",
      headers: await ingestHeaders(secret, { method: "POST", path: "/ingest" }, body),
      body,
    });
    const result = (await res.json()) as { applied?: number };
    if (res.status !== 200 || result.applied !== deltas.length)
      throw new Error(`ingest answered ${res.status}: ${JSON.stringify(result)}`);
  };

  const ingestMembers = (userIds: readonly string[]) => {
    const guild = world.requireGuild(SEED.guildId);
    return ingest(
      userIds.map((id) => {
        const { username, global_name, avatar, public_flags } = world.requireUser(id);
        const presence = guild.presences.get(id);
        return {
          user_id: id,
          version: nextVersion(),
          user: { id, username, global_name, avatar, public_flags, discriminator: "0" },
          membership: { joined_at: "2024-01-02T00:00:00.000Z" },
          presence: presence
            ? {
                status: presence.status,
                client_status: presence.client_status ?? {},
                // Discord sends activities as they are; ingest takes them as plain records.
                activities: (presence.activities ?? []) as unknown as RawActivity[],
              }
            : { status: "offline" },
        };
      }),
    );
  };

  return {
    emulator,
    cdn: cdn!,
    worker,
    secret,
    ingest,
    ingestMembers,
    ingestSeededMembers: () => ingestMembers(SEED_MEMBERS.map((member) => member.id)),
    cardUrl: (userId, query = "") => `${workerUrl}/api/v1/users/${userId}?svg=1${query ? `&${query}` : ""}`,
    stop,
  };
}
