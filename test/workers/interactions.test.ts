import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/app.ts";
import { MAX_INTERACTION_BODY_BYTES } from "../../workers/routes/interactions.ts";
import { BASE, get } from "./helpers.ts";
import { command, content, ping, reply, send, sign, storage } from "./interactions-helpers.ts";

/** POST /interactions as an HTTP endpoint: configuration, size, signature, PING and malformed input. */

const minutes = (n: number) => Math.floor(Date.now() / 1000) + n * 60;

// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
async function json(response: Response): Promise<any> {
  expect(response.headers.get("content-type")).toContain("application/json");
  return response.json();
}

describe("POST /interactions: who may call it", () => {
  it("answers a signed PING with PONG", async () => {
    const response = await send(ping());
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ type: 1 });
  });

  it("refuses a request without the signature headers with 401", async () => {
    const missing = await send(ping(), { signature: null });
    expect(missing.status).toBe(401);
    expect(await json(missing)).toEqual({ error: "invalid request signature", reason: "missing_signature" });
    const bare = await fetchWithout(JSON.stringify(ping()));
    expect(bare.status).toBe(401);
  });

  it("refuses a wrong or malformed signature with 401", async () => {
    const body = JSON.stringify(ping());
    const timestamp = String(Math.floor(Date.now() / 1000));
    // Signed over another body: Discord's own check sends exactly this kind of request.
    const other = await sign(timestamp, body.replace('"type":1', '"type":2'));
    const wrong = await send(ping(), { body, timestamp: Number(timestamp), signature: other });
    expect([wrong.status, (await json(wrong)).reason]).toEqual([401, "bad_signature"]);
    const flipped = (await sign(timestamp, body)).replace(/^./, (c) => (c === "0" ? "1" : "0"));
    expect((await send(ping(), { body, timestamp: Number(timestamp), signature: flipped })).status).toBe(401);
    for (const signature of ["", "zz", "ab".repeat(63), "ab".repeat(65)]) {
      const malformed = await send(ping(), { signature });
      expect(malformed.status).toBe(401);
    }
  });

  it("refuses a signature older or newer than five minutes, and takes one from 4 minutes ago", async () => {
    const stale = await send(ping(), { timestamp: minutes(-6) });
    expect([stale.status, (await json(stale)).reason]).toEqual([401, "stale_timestamp"]);
    expect((await send(ping(), { timestamp: minutes(6) })).status).toBe(401);
    expect((await send(ping(), { timestamp: minutes(-4) })).status).toBe(200);
  });

  it("refuses a body over the cap with 413 before reading a signature", async () => {
    const body = JSON.stringify({ type: 1, padding: "x".repeat(MAX_INTERACTION_BODY_BYTES) });
    const response = await send(null, { body, signature: "00" });
    expect(response.status).toBe(413);
    expect((await json(response)).error).toContain(String(MAX_INTERACTION_BODY_BYTES));
  });

  it("answers 503 naming DISCORD_PUBLIC_KEY when it is missing or not a key", async () => {
    const app = createApp();
    for (const key of [undefined, "", "not-a-key", "ab".repeat(31)]) {
      const response = await app.fetch(
        new Request(`${BASE}/interactions`, { method: "POST", body: JSON.stringify(ping()) }),
        { ...env, DISCORD_PUBLIC_KEY: key },
        createExecutionContext(),
      );
      expect(response.status).toBe(503);
      expect((await json(response)).error).toContain("DISCORD_PUBLIC_KEY");
    }
  });

  it("refuses, signed or not, what is not an interaction it handles, with 400", async () => {
    const notJson = await send(null, { body: "{not json" });
    expect(notJson.status).toBe(400);
    expect((await json(notJson)).error).toBe("the body is not an interaction");
    expect((await send({ type: "ping" })).status).toBe(400);
    const noUser = await send({ type: 2, data: { name: "ping" } });
    expect([noUser.status, (await json(noUser)).error]).toEqual([400, "the interaction names no user"]);
    const autocomplete = { ...command("72000000000000999", "storage"), type: 4 };
    expect((await send(autocomplete)).status).toBe(400);
  });

  it("answers a GET with JSON 404, as every unknown route", async () => {
    const response = await get("/interactions");
    expect(response.status).toBe(404);
    expect(await json(response)).toEqual({ error: "Resource not found." });
  });
});

describe("POST /interactions: replies", () => {
  it("every reply to a command is an ephemeral message that mentions nobody", async () => {
    for (const payload of [command("72000000000000998", "ping"), storage("73000000000000998", "list")]) {
      const answer = await reply(payload);
      expect(answer.type).toBe(4);
      expect(answer.data).toMatchObject({ flags: 64, allowed_mentions: { parse: [] } });
      expect(content(answer).length).toBeGreaterThan(0);
    }
  });
});

function fetchWithout(body: string) {
  return createApp().fetch(
    new Request(`${BASE}/interactions`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    }),
    env,
    createExecutionContext(),
  );
}
