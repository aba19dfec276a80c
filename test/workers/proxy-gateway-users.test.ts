import { listDurableObjectIds } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEST_PROXY_KEY } from "../fixtures/proxy-keys.ts";
import { BASE, ingest, joined, nextVersion } from "./helpers.ts";

// GET /users/:id answered from the gateway's data (PROXY_GATEWAY_USERS is on in vitest.config.ts).

const MEMBER = "1191168914227288801";
const STRANGER = "1191168914227288802";
const emulator = env.DISCORD_API_BASE!.replace(/\/api$/, "");
const userRequests = async () => {
  const state = (await (await fetch(`${emulator}/_emulator/state`)).json()) as {
    application_id: string;
    counters: { rest: Record<string, { requests: number }> };
  };
  return state.counters.rest[state.application_id]?.requests ?? 0;
};
const getUser = (id: string) =>
  exports.default.fetch(`${BASE}/proxy/api/v10/users/${id}`, {
    headers: { authorization: `Bot ${TEST_PROXY_KEY}` },
  });

describe("users from the gateway", () => {
  it("answers a monitored user from their object, shaped as Discord's user, without calling Discord", async () => {
    await ingest([joined(MEMBER, "gatewayed")]);
    const before = await userRequests();
    const response = await getUser(MEMBER);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-porchlight-source")).toBe("gateway");
    expect(response.headers.get("x-porchlight-cache")).toBe("hit");
    expect(await response.json()).toEqual({
      id: MEMBER,
      username: "gatewayed",
      discriminator: "0",
      global_name: "Gatewayed",
      avatar: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
      public_flags: 0,
      avatar_decoration_data: null,
    });
    expect(await userRequests()).toBe(before);
  });

  it("sends a user who left to Discord", async () => {
    const id = "1191168914227288803";
    await ingest([joined(id, "leaver")]);
    await ingest([{ user_id: id, version: nextVersion(), membership: null }]);
    const before = await userRequests();
    const response = await getUser(id);
    expect(response.headers.get("x-porchlight-source")).toBeNull();
    expect(await userRequests()).toBe(before + 1);
  });

  it("sends a stranger's id to Discord without creating their object", async () => {
    const objects = (await listDurableObjectIds(env.USER_PRESENCE)).length;
    const response = await getUser(STRANGER);
    expect(response.headers.get("x-porchlight-source")).toBeNull();
    expect((await listDurableObjectIds(env.USER_PRESENCE)).length).toBe(objects);
  });
});
