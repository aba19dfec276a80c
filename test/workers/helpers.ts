import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { UserDeltaInput } from "../../schemas/ingest.ts";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";

export const BASE = "https://porchlight.test";
export const SECRET = env.INGEST_SECRET!;

export function get(path: string, headers: Record<string, string> = {}) {
  return exports.default.fetch(`${BASE}${path}`, { headers });
}

let batches = 0;
let version = Date.now() * 1000;
/** A version newer than every one handed out before, as the runner's clock makes them. */
export const nextVersion = () => ++version;

/** POSTs a correctly signed ingest batch. */
export async function ingest(
  deltas: UserDeltaInput[],
  options: { secret?: string; now?: number; body?: string } = {},
) {
  const body = options.body ?? JSON.stringify({ batch_id: `test-${++batches}`, deltas });
  const headers = await ingestHeaders(
    options.secret ?? SECRET,
    { method: "POST", path: "/ingest" },
    body,
    options.now,
  );
  return exports.default.fetch(`${BASE}/ingest`, { method: "POST", headers, body });
}

export const profile = (id: string, username: string, extra: Record<string, unknown> = {}) => ({
  id,
  username,
  global_name: username[0]!.toUpperCase() + username.slice(1),
  avatar: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
  ...extra,
});

/** A member joining with a profile and a presence: what the runner sends on first sight. */
export function joined(
  id: string,
  username: string,
  status: "online" | "idle" | "dnd" | "offline" = "online",
) {
  return {
    user_id: id,
    version: nextVersion(),
    user: profile(id, username),
    membership: { joined_at: "2024-03-04T05:06:07.000Z" },
    presence: { status, client_status: status === "offline" ? {} : { desktop: status } },
  } satisfies UserDeltaInput;
}

/** Makes these users monitored members (user0, user1, … by position), through a signed ingest. */
export async function monitored(...ids: string[]) {
  expect((await ingest(ids.map((id, n) => joined(id, `user${n}`)))).status).toBe(200);
}
