import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("service", () => {
  it("GET / describes the service", async () => {
    const res = await exports.default.fetch("http://porchlight.test/");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { info: string } };
    expect(body.data.info).toMatch(/Porchlight/);
  });

  it("GET /health answers without touching an object", async () => {
    const res = await exports.default.fetch("http://porchlight.test/health");
    expect(await res.json()).toEqual({ ok: true });
  });

  it("an unknown route is a JSON 404", async () => {
    const res = await exports.default.fetch("http://porchlight.test/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Resource not found." });
  });
});
