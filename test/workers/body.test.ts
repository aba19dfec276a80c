import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { readBody } from "../../workers/body.ts";

/** The bounded reader on its own, through a real Hono app: what it returns and how much it pulls. */

const LIMIT = 1000;

const app = new Hono().post("/", async (c) => {
  const body = await readBody(c, LIMIT);
  return body === null ? c.json({ error: "too large" }, 413) : c.json({ body });
});

function source(chunks: Uint8Array[]) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[state.pulled];
        if (!chunk) return controller.close();
        state.pulled++;
        controller.enqueue(chunk);
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

const bytes = (n: number) => new Uint8Array(n).fill(0x61);

async function post(body: BodyInit | null, headers: Record<string, string> = {}) {
  const response = await app.request("/", { method: "POST", body, headers, duplex: "half" } as RequestInit);
  return { status: response.status, json: (await response.json()) as { body?: string } };
}

describe("readBody", () => {
  it("takes a chunked body of exactly the limit, and refuses one byte more", async () => {
    const exact = source([bytes(600), bytes(400)]);
    expect(await post(exact.stream)).toEqual({ status: 200, json: { body: "a".repeat(LIMIT) } });
    const over = source([bytes(600), bytes(401)]);
    expect((await post(over.stream)).status).toBe(413);
  });

  it("stops pulling at the chunk that crosses the limit and cancels the rest", async () => {
    const body = source(Array.from({ length: 100 }, () => bytes(300)));
    expect((await post(body.stream)).status).toBe(413);
    expect(body.state.pulled).toBe(4);
    expect(body.state.cancelled).toBe(true);
  });

  it("refuses a declared length over the limit without reading a byte", async () => {
    const body = source([bytes(10)]);
    expect((await post(body.stream, { "content-length": String(LIMIT + 1) })).status).toBe(413);
    expect(body.state.pulled).toBe(0);
  });

  it("counts the bytes even when a Content-Length understates them", async () => {
    const body = source(Array.from({ length: 100 }, () => bytes(300)));
    expect((await post(body.stream, { "content-length": "10" })).status).toBe(413);
    expect(body.state.pulled).toBe(4);
  });

  it("decodes UTF-8 split across chunks, and reads a missing body as empty", async () => {
    const encoded = new TextEncoder().encode("Lisboa é ótima 🌊");
    const split = source([encoded.slice(0, 9), encoded.slice(9, 17), encoded.slice(17)]);
    expect((await post(split.stream)).json.body).toBe("Lisboa é ótima 🌊");
    expect(await post(null)).toEqual({ status: 200, json: { body: "" } });
    expect(await post("")).toEqual({ status: 200, json: { body: "" } });
  });

  it("limits bytes, not characters: 500 two-byte characters fit, 501 do not", async () => {
    expect((await post("é".repeat(500))).status).toBe(200);
    expect((await post("é".repeat(501))).status).toBe(413);
  });
});
