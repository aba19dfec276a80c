import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE } from "./helpers.ts";
import { command, content, group, monitoredUser, ping, sign, sub } from "./interactions-helpers.ts";

/**
 * A signed interaction delivered again inside the timestamp window: captured bytes and headers,
 * sent twice. The first acts; the second is refused without acting.
 */

const tokenCreate = (userId: string) => command(userId, "storage", [group("token", [sub("create")])]);
const tokenIn = (text: string) => /pl_[A-Za-z0-9_-]{43}/.exec(text)?.[0];

interface Captured {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** What an eavesdropper keeps of one signed delivery: its exact headers and bytes. */
async function capture(payload: unknown, timestamp = Math.floor(Date.now() / 1000)): Promise<Captured> {
  const text = JSON.stringify(payload);
  const headers = {
    "content-type": "application/json",
    "x-signature-timestamp": String(timestamp),
    "x-signature-ed25519": await sign(String(timestamp), text),
  };
  return { headers, body: new TextEncoder().encode(text) };
}

const deliver = ({ headers, body }: Captured) =>
  exports.default.fetch(`${BASE}/interactions`, { method: "POST", headers, body: body.slice() });

const putLanyard = (token: string, value: string) =>
  exports.default.fetch(`${BASE}/v1/users/@me/kv/city`, {
    method: "PUT",
    headers: { Authorization: token },
    body: value,
  });

// First in the file, so no other test has woken an interaction-id object yet.
describe("an interaction that is not signed", () => {
  it("never reaches the interaction-id objects, however it fails", async () => {
    const payload = ping();
    const good = await capture(payload);
    const wrong = { ...good, headers: { ...good.headers, "x-signature-ed25519": "00".repeat(64) } };
    const stale = await capture(payload, Math.floor(Date.now() / 1000) - 6 * 60);
    const { "x-signature-ed25519": _, ...unsigned } = good.headers;
    for (const attempt of [wrong, stale, { ...good, headers: unsigned }]) {
      expect((await deliver(attempt)).status).toBe(401);
    }
    expect(await listDurableObjectIds(env.INTERACTION_IDS)).toEqual([]);
    // Its id was not used up by the refusals: the genuine delivery still acts.
    expect((await deliver(good)).status).toBe(200);
    expect((await listDurableObjectIds(env.INTERACTION_IDS)).length).toBe(1);
  });
});

describe("a replayed interaction", () => {
  it("/storage token create: the first delivery mints a token, the replay is 401 and the token still works", async () => {
    const id = await monitoredUser();
    const captured = await capture(tokenCreate(id));

    const first = await deliver(captured);
    expect(first.status).toBe(200);
    const token = tokenIn(content((await first.json()) as never))!;
    expect(token).toBeDefined();

    const replay = await deliver(captured);
    expect(replay.status).toBe(401);
    expect(replay.headers.get("content-type")).toContain("application/json");
    const refusal = (await replay.json()) as { error: string; reason: string };
    expect(refusal).toEqual({ error: "interaction already received", reason: "replayed" });

    // Had the replay acted, it would have minted a new token and revoked this one.
    expect((await putLanyard(token, "Lisbon")).status).toBe(204);
    // And a third delivery is as refused as the second.
    expect((await deliver(captured)).status).toBe(401);
  });

  it("is refused for every kind: a PING and a plain command too", async () => {
    for (const payload of [ping(), command("72000000000000997", "ping")]) {
      const captured = await capture(payload);
      expect((await deliver(captured)).status).toBe(200);
      expect((await deliver(captured)).status).toBe(401);
    }
  });

  it("different interactions of the same command each act", async () => {
    const id = await monitoredUser();
    const first = await deliver(await capture(tokenCreate(id)));
    const second = await deliver(await capture(tokenCreate(id)));
    expect([first.status, second.status]).toEqual([200, 200]);
    const tokenA = tokenIn(content((await first.json()) as never));
    const tokenB = tokenIn(content((await second.json()) as never));
    expect(tokenA).not.toBe(tokenB);
    // The second replaced the first, as two genuine creates do.
    expect((await putLanyard(tokenA!, "x")).status).toBe(401);
    expect((await putLanyard(tokenB!, "x")).status).toBe(204);
  });

  it("concurrent deliveries of the same bytes: exactly one acts", async () => {
    const id = await monitoredUser();
    const captured = await capture(tokenCreate(id));
    const statuses = (await Promise.all(Array.from({ length: 5 }, () => deliver(captured)))).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([200, 401, 401, 401, 401]);
  });
});
