import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { UserDeltaInput } from "../../schemas/ingest.ts";
import { ACTIVITIES } from "../fixtures/discord-presences.ts";
import { findAll, parseXml, texts } from "./cards-xml.ts";
import { get, ingest, joined, nextVersion } from "./helpers.ts";

/**
 * GET /api/v1/users/:id?svg=1 through the Worker. The Worker's image fetches go to Discord's and
 * Spotify's CDNs by default; this file replaces the global fetch (which the Worker shares with the
 * tests in workerd) with a stand-in CDN, so no request leaves the test and each can be counted.
 */

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const requested: string[] = [];

/** Avatars and album art exist; everything else is a 404, so the card draws placeholders. */
async function standInCdn(input: RequestInfo | URL): Promise<Response> {
  const url = String(input instanceof Request ? input.url : input);
  requested.push(url);
  if (url.startsWith("https://cdn.discordapp.com/avatars/")) return new Response(PNG);
  if (url.startsWith("https://i.scdn.co/image/")) return new Response(JPEG);
  return new Response("404: Not Found", { status: 404 });
}

beforeAll(() => {
  vi.stubGlobal("fetch", vi.fn(standInCdn));
});
afterAll(() => {
  vi.unstubAllGlobals();
});

const ADA = "300000000000000001";
const LINUS = "300000000000000002";
const NOBODY = "300000000000000099";

function withActivities(id: string, username: string, activities: unknown[]): UserDeltaInput {
  const delta = joined(id, username);
  return { ...delta, presence: { ...delta.presence, activities: activities as never } };
}

async function card(path: string, headers: Record<string, string> = {}) {
  const res = await get(path, headers);
  const body = await res.text();
  return { res, body, root: res.status === 304 ? null : parseXml(body) };
}

describe("the card route", () => {
  beforeAll(async () => {
    const res = await ingest([
      withActivities(ADA, "ada", [ACTIVITIES.customStatusUnicodeEmoji, ACTIVITIES.spotifyTwoArtists]),
      { ...joined(LINUS, "linus"), user: { id: LINUS, username: "linus", global_name: null, avatar: null } },
    ]);
    expect(res.status).toBe(200);
  });

  it("answers an SVG with the images inlined, cache headers and an ETag", async () => {
    requested.length = 0;
    const { res, root } = await card(`/api/v1/users/${ADA}?svg=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=30");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{40}"$/);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("x-porchlight-cache")).toBe("miss");
    expect(res.headers.get("x-porchlight-card-images")).toBe("fetched=2, stored=0, cached=0, failed=0");
    expect(root!.attributes).toMatchObject({ width: "560", height: "260" });
    expect(texts(root!)).toEqual(expect.arrayContaining(["Ada", "LISTENING TO SPOTIFY", "Let Go"]));
    const hrefs = findAll(root!, "image").map((image) => image.attributes.href);
    expect(hrefs).toEqual([
      expect.stringMatching(/^data:image\/png;base64,/),
      expect.stringMatching(/^data:image\/jpeg;base64,/),
    ]);
    expect(requested).toEqual([
      "https://cdn.discordapp.com/avatars/300000000000000001/a1b2c3d4e5f60718293a4b5c6d7e8f90.png?size=128",
      "https://i.scdn.co/image/ab67616d00001e0264840995fe43bb2ec73a241d",
    ]);
  });

  it("serves repeat views from the edge cache, answers If-None-Match with 304, and shares entries between spellings", async () => {
    const first = await card(`/api/v1/users/${ADA}?svg=1&theme=light&hideStatus=1`);
    requested.length = 0;
    const again = await card(`/api/v1/users/${ADA}?hideStatus=true&svg=true&theme=light`);
    expect(again.res.headers.get("x-porchlight-cache")).toBe("hit");
    expect(again.body).toBe(first.body);
    expect(requested).toEqual([]);
    const revalidated = await card(`/api/v1/users/${ADA}?svg=1&theme=light&hideStatus=1`, {
      "if-none-match": first.res.headers.get("etag")!,
    });
    expect(revalidated.res.status).toBe(304);
  });

  it("draws a new card at once when the presence changes, reusing the cached images", async () => {
    await card(`/api/v1/users/${ADA}?svg=1`);
    await ingest([
      {
        user_id: ADA,
        version: nextVersion(),
        presence: { status: "idle", client_status: { desktop: "idle" }, activities: [] },
      },
    ]);
    requested.length = 0;
    const { res, root } = await card(`/api/v1/users/${ADA}?svg=1`);
    expect(res.headers.get("x-porchlight-cache")).toBe("miss");
    expect(res.headers.get("x-porchlight-card-images")).toBe("fetched=0, stored=0, cached=1, failed=0");
    expect(texts(root!)).toContain("No activity");
    expect(requested).toEqual([]);
  });

  it("a failed image degrades to a placeholder", async () => {
    // linus has no avatar: his default avatar is under /embed/avatars/, which the stand-in 404s.
    const { res, root } = await card(`/api/v1/users/${LINUS}?svg=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-porchlight-card-images")).toBe("fetched=1, stored=0, cached=0, failed=1");
    expect(findAll(root!, "image")).toEqual([]);
    expect(texts(root!)).toEqual(expect.arrayContaining(["linus", "L"]));
  });

  it("an unmonitored user gets a 404 error card of the requested size", async () => {
    const { res, root } = await card(`/api/v1/users/${NOBODY}?svg=1&hideActivity=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(root!.attributes.height).toBe("128");
    expect(texts(root!)[0]).toBe("Not monitored here");
    expect(texts(root!).slice(1).join(" ")).toContain(
      `User ${NOBODY} is not being monitored by this Porchlight`,
    );
  });

  it.each([
    ["theme=blue", 'theme: must be "dark" or "light"'],
    ["hideBadges=yes", "hideBadges: must be 0, 1, true or false"],
    ["borderRadius=10em", "borderRadius: must be a number of rem"],
    ["bg=javascript:alert(1)", "bg: must be a hex colour"],
    [`noActivityTitle=${"t".repeat(65)}`, "noActivityTitle: must be at most 64 characters"],
  ])("a bad parameter (%s) gets a 400 error card naming it", async (query, message) => {
    const { res, root } = await card(`/api/v1/users/${ADA}?svg=1&${query}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(texts(root!)[0]).toBe("Bad card parameter");
    expect(texts(root!).slice(1).join(" ")).toContain(message);
  });

  it.each([
    ["too short", "12345", '"12345" is not a Discord user id'],
    ["too long", "1".repeat(21), `"${"1".repeat(21)}" is not a Discord user id`],
    ["not digits", "ada%20lovelace", '"ada lovelace" is not a Discord user id'],
    ["with a bad parameter too", "12345?theme=blue", '"12345" is not a Discord user id'],
    ["pasted at length", "x".repeat(300), `"${"x".repeat(39)}…" is not a Discord user id`],
  ])("an id that is %s gets a 400 card titled for it", async (_, path, message) => {
    const [id, query = ""] = path.split("?");
    const { res, root } = await card(`/api/v1/users/${id}?svg=1${query ? `&${query}` : ""}`);
    expect(res.status).toBe(400);
    expect(texts(root!)[0]).toBe("Not a Discord user id");
    expect(texts(root!).slice(1).join(" ")).toContain(message);
  });

  it("a bad id with svg=1 is an error card too, while JSON requests keep Lantern's JSON", async () => {
    const bad = await card("/api/v1/users/12345?svg=1");
    expect(bad.res.status).toBe(400);
    expect(texts(bad.root!)[0]).toBe("Not a Discord user id");
    const json = await get("/api/v1/users/12345");
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: expect.stringContaining("id") });
    for (const query of ["", "?svg=0", "?svg=false"]) {
      const res = await get(`/api/v1/users/${ADA}${query}`);
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(((await res.json()) as { metadata: { id: string } }).metadata.id).toBe(ADA);
    }
  });

  it("documents every card parameter in the OpenAPI document", async () => {
    const spec = (await (await get("/openapi.json")).json()) as {
      paths: Record<string, { get: { parameters: { name: string; in: string; description?: string }[] } }>;
    };
    const params = spec.paths["/api/v1/users/{id}"]!.get.parameters.filter((p) => p.in === "query");
    expect(params.map((p) => p.name).sort()).toEqual(
      [
        "svg",
        "theme",
        "borderRadius",
        "bg",
        "hideGlobalName",
        "hideStatus",
        "hideBadges",
        "hideActivity",
        "hideLastSeen",
        "hideServerTag",
        "hideSpotify",
        "hideTimestamp",
        "noActivityTitle",
        "noActivityMessage",
      ].sort(),
    );
    for (const param of params) expect(param.description, param.name).toBeTruthy();
  });
});
