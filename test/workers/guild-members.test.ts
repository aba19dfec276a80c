import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { MonitoredUsers } from "../../durable-objects/monitored-users.ts";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";
import { BASE, ingest, joined, nextVersion } from "./helpers.ts";

/**
 * The Worker's record of who is in which monitored guild: what a runner that restarted with an
 * empty registry reconciles a guild's complete member list against.
 */

const GUILD_A = "910000000000000001";
const GUILD_B = "910000000000000002";

function member(id: string, guildIds: string[]) {
  return {
    ...joined(id, `m${id.slice(-3)}`),
    membership: { joined_at: "2024-03-04T05:06:07.000Z", guild_ids: guildIds },
  };
}

async function pageOf(guildId: string, query = "") {
  const res = await exports.default.fetch(`${BASE}/ingest/guilds/${guildId}/members${query}`, {
    headers: await ingestHeaders(
      env.INGEST_SECRET!,
      { method: "GET", path: `/ingest/guilds/${guildId}/members${query}` },
      "",
    ),
  });
  return {
    status: res.status,
    body: (await res.json()) as { user_ids?: string[]; next?: string | null; error?: string },
  };
}

async function allOf(guildId: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null | undefined;
  do {
    const { body } = await pageOf(guildId, `?limit=${limit}${after ? `&after=${after}` : ""}`);
    ids.push(...body.user_ids!);
    after = body.next;
  } while (after);
  return ids;
}

describe("GET /ingest/guilds/:guild_id/members", () => {
  it("lists the members ingest reported per guild, and forgets them when they leave or move", async () => {
    const ids = ["920000000000000001", "920000000000000002", "920000000000000003"];
    expect(
      (
        await ingest([
          member(ids[0]!, [GUILD_A]),
          member(ids[1]!, [GUILD_A, GUILD_B]),
          member(ids[2]!, [GUILD_B]),
        ])
      ).status,
    ).toBe(200);
    expect((await pageOf(GUILD_A)).body).toEqual({ user_ids: [ids[0], ids[1]], next: null });
    expect((await pageOf(GUILD_B)).body).toEqual({ user_ids: [ids[1], ids[2]], next: null });

    // ids[1] leaves guild A only: still monitored, no longer A's.
    const leftA = {
      user_id: ids[1]!,
      version: nextVersion(),
      membership: { joined_at: "2024-03-04T05:06:07.000Z", guild_ids: [GUILD_B] },
    };
    // ids[0] leaves every monitored guild.
    const leftAll = { user_id: ids[0]!, version: nextVersion(), membership: null };
    expect((await ingest([leftA, leftAll])).status).toBe(200);
    expect((await pageOf(GUILD_A)).body).toEqual({ user_ids: [], next: null });
    expect((await pageOf(GUILD_B)).body).toEqual({ user_ids: [ids[1], ids[2]], next: null });
  });

  it("pages through a large guild without a gap or a repeat", async () => {
    const guild = "910000000000000003";
    const ids = Array.from({ length: 25 }, (_, n) => `93000000000000${String(n).padStart(4, "0")}`);
    expect((await ingest(ids.map((id) => member(id, [guild])))).status).toBe(200);
    expect(await allOf(guild, 7)).toEqual(ids);
    expect(await allOf(guild, 25)).toEqual(ids);
  });

  it("a membership facet without guild_ids (an older runner) keeps the guilds recorded", async () => {
    const guild = "910000000000000004";
    const id = "940000000000000001";
    expect((await ingest([member(id, [guild])])).status).toBe(200);
    expect((await ingest([joined(id, "older")])).status).toBe(200);
    expect((await pageOf(guild)).body.user_ids).toEqual([id]);
  });

  it("a member whose guilds nobody said is offered to every guild's reconcile, until they are said", async () => {
    const id = "960000000000000001";
    expect((await ingest([joined(id, "unplaced")])).status).toBe(200);
    for (const guild of ["910000000000000005", "910000000000000006"]) {
      expect((await pageOf(guild)).body.user_ids).toContain(id);
    }
    expect((await ingest([{ ...member(id, ["910000000000000005"]), version: nextVersion() }])).status).toBe(
      200,
    );
    expect((await pageOf("910000000000000005")).body.user_ids).toContain(id);
    expect((await pageOf("910000000000000006")).body.user_ids).not.toContain(id);
  });

  it("pages in text order, so ids of different lengths are neither skipped nor repeated", async () => {
    const guild = "910000000000000007";
    const ids = ["97000000000000001", "97000000000000000002", "9700000000000000003", "98000000000000004"];
    expect((await ingest(ids.map((id) => member(id, [guild])))).status).toBe(200);
    const listed = (await allOf(guild, 1)).filter((id) => ids.includes(id));
    expect(listed).toEqual([...ids].sort());
  });

  it("is signed like the rest of ingest, and checks its input", async () => {
    const unsigned = await exports.default.fetch(`${BASE}/ingest/guilds/${GUILD_A}/members`);
    expect(unsigned.status).toBe(401);
    expect((await pageOf("not-a-guild")).status).toBe(400);
    for (const query of ["?limit=0", "?limit=1001", "?limit=x", "?after=12"]) {
      const { status, body } = await pageOf(GUILD_A, query);
      expect(status, query).toBe(400);
      expect(body.error, query).toMatch(/^(limit|after):/);
    }
    expect((await pageOf(GUILD_A, "?limit=1000")).status).toBe(200);
    expect((await pageOf(GUILD_A, "?limit=1")).status).toBe(200);
  });
});

describe("the directory hears every membership, even after a failed report", () => {
  it("a join whose directory call failed is reported by the retry, which carries nothing new", async () => {
    const id = "950000000000000001";
    const join = member(id, [GUILD_A]);
    const spy = vi.spyOn(MonitoredUsers.prototype, "setMonitored").mockImplementationOnce(() => {
      throw new Error("test: directory unavailable");
    });
    try {
      expect((await ingest([join])).status).toBe(503);
    } finally {
      spy.mockRestore();
    }
    // The runner retries the batch with a fresh version and the same content.
    expect((await ingest([{ ...join, version: nextVersion() }])).status).toBe(200);
    expect((await exports.default.fetch(`${BASE}/api/v1/users/${id}`)).status).toBe(200);
    expect((await pageOf(GUILD_A)).body.user_ids).toContain(id);
  });
});
