import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/app.ts";
import { BASE, get, monitored } from "./helpers.ts";

/**
 * GET / negotiates: a browser gets the landing page, every API client today's JSON, byte for byte
 * the same shape. Whatever a visitor controls reaches the page escaped.
 */

// What Chromium, Firefox and Safari send for a page load.
const BROWSERS = [
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
  "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "text/html",
  "application/json;q=0.5, text/*",
];
// An API client: JSON asked for, anything, nothing, or a tie that does not prefer HTML.
const API_CLIENTS: (string | null)[] = [
  "application/json",
  "*/*", // curl, and fetch() with no Accept of its own
  null,
  "",
  "text/html, application/json",
  "application/json, text/html;q=0.9",
  "text/html;q=0, */*",
];

const [first, second] = ["1400000000000000002", "1400000000000000001"];

const html = (path = "/", accept = BROWSERS[0]!) => get(path, { accept });

/** GET / through an app whose settings differ from the test Worker's. */
function withSettings(vars: Record<string, string>, path = "/") {
  return createApp().fetch(
    new Request(`${BASE}${path}`, { headers: { accept: "text/html" } }),
    { ...env, ...vars },
    createExecutionContext(),
  );
}

/** The value attribute of the page's id field. */
const idField = (page: string) => /<input id="user-id"[^>]*\svalue="([^"]*)"/.exec(page)?.[1];

describe("GET / for a browser", () => {
  it.each(BROWSERS)("Accept %s gets the landing page with the monitored count", async (accept) => {
    await monitored(first, second);
    const res = await html("/", accept);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("vary")).toMatch(/accept/i);
    const page = await res.text();
    const json = (await (await get("/")).json()) as { data: { monitored_user_count: number } };
    expect(json.data.monitored_user_count).toBeGreaterThanOrEqual(2);
    expect(page).toContain(`data-count="${json.data.monitored_user_count}"`);
    expect(page).toContain(`Watching <strong>${json.data.monitored_user_count} users</strong>`);
  });

  it("runs its one script and stylesheet under a fresh nonce, and may load only from itself", async () => {
    const [a, b] = [await html(), await html()];
    const nonceOf = (res: Response) =>
      /script-src 'nonce-([^']+)'/.exec(res.headers.get("content-security-policy")!)?.[1];
    const nonce = nonceOf(a)!;
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(nonceOf(b)).not.toBe(nonce);
    const csp = a.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("img-src 'self' blob:");
    expect(csp).toContain("connect-src 'self'");
    const page = await a.text();
    expect(page.match(/<script\b[^>]*>/g)).toEqual([`<script nonce="${nonce}">`]);
    expect(page.match(/<style\b[^>]*>/g)).toEqual([`<style nonce="${nonce}">`]);
    // Nothing names another host: no font, script or image from anywhere else.
    expect(page.match(/\b(?:src|href)="(?!\/)[^"]*"/g)).toBeNull();
  });

  it("opens on the first monitored user when LANDING_USER_ID is unset", async () => {
    await monitored(first, second);
    const page = await (await html()).text();
    // The directory's order is the ids' (as text); this file's users sort before any other.
    expect(idField(page)).toBe(second);
    expect(page).toContain(`src="/api/v1/users/${second}?svg=1"`);
    expect(page).toContain(`curl ${BASE}/api/v1/users/${second}`);
  });

  it("opens on LANDING_USER_ID, or on an empty field with a hint for none", async () => {
    await monitored(first);
    const set = await (await withSettings({ LANDING_USER_ID: first })).text();
    expect(idField(set)).toBe(first);
    const none = await (await withSettings({ LANDING_USER_ID: "none" })).text();
    expect(idField(none)).toBe("");
    expect(none).toContain("Type an id above to follow someone live.");
    expect(none).toContain("/api/v1/users/YOUR_DISCORD_ID");
    expect(none).toMatch(/<img id="card"[^>]*\shidden/);
  });

  it("names LANDING_USER_ID when it is neither an id nor none", async () => {
    const res = await withSettings({ LANDING_USER_ID: "ada" });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toContain("LANDING_USER_ID");
  });

  it("points its snippets at PUBLIC_ORIGIN when one is set", async () => {
    const page = await (
      await withSettings({ PUBLIC_ORIGIN: "https://porchlight.example.com", LANDING_USER_ID: first })
    ).text();
    expect(page).toContain(`curl https://porchlight.example.com/api/v1/users/${first}`);
    expect(page).toContain("new WebSocket(&quot;wss://porchlight.example.com/socket&quot;)");
  });

  it("escapes what a visitor's link carries, in the field and in every snippet", async () => {
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`;
    const page = await (await html(`/?user=${encodeURIComponent(hostile)}`)).text();
    expect(page).not.toContain("<script>alert");
    expect(page).not.toContain("<img src=x");
    expect(idField(page)).toBe(
      "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;&#39;&amp;",
    );
    // In paths and snippets the id is URL-encoded, then HTML-escaped: nothing of it survives raw.
    expect(page).toContain(
      `curl ${BASE}/api/v1/users/${encodeURIComponent(hostile).replaceAll("'", "&#39;")}`,
    );
    expect(page.match(/<script\b/g)).toHaveLength(1);
  });
});

describe("GET / for an API client", () => {
  it.each(API_CLIENTS)("Accept %s gets today's JSON", async (accept) => {
    await monitored(first, second);
    const res = await get("/", accept === null ? {} : { accept });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("vary")).toMatch(/accept/i);
    const body = (await res.json()) as { data: { monitored_user_count: number } };
    const count = body.data.monitored_user_count;
    expect(body).toEqual({
      success: true,
      data: {
        info: "Porchlight: live Discord presence at the edge. Speaks the Lantern and Lanyard APIs.",
        currently_monitoring_users: count,
        monitored_user_count: count,
        docs: `${BASE}/docs`,
      },
    });
    expect(count).toBeGreaterThanOrEqual(2);
  });

  it("ignores ?user= and answers the same JSON", async () => {
    const plain = await (await get("/")).text();
    expect(await (await get("/?user=%3Cx%3E")).text()).toBe(plain);
  });
});
