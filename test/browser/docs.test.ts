/// <reference lib="dom" />

import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerStack, type WorkerStack } from "../../bench/lib/stack.ts";
import { isLoopback, launchOfflineChromium, type OfflineChromium } from "./offline-chromium.ts";

/**
 * The API reference as a reader meets it: Debian's Chromium opens /docs from the Worker under
 * wrangler dev, follows the contents to an operation, reads its success example, opens an error
 * response to read that one, and follows a type to its schema. Nothing may be fetched from
 * anywhere but this machine, and the browser must report no refused load or script error.
 */

const SCREENSHOTS = join(tmpdir(), "porchlight-docs-screenshots");

let stack: WorkerStack;
let browser: OfflineChromium;
let page: OfflineChromium["page"];
const problems: string[] = [];

beforeAll(async () => {
  stack = await startWorkerStack();
  browser = await launchOfflineChromium({ viewport: { width: 1280, height: 900 } });
  page = browser.page;
  // A CSP refusal or a failed load shows as a console error: any is a fault of the page.
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${stack.worker.url}/docs`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("/docs in Chromium", () => {
  const operation = () => page.locator("article#get-api-v1-users-id");
  const response = (status: string) =>
    operation().locator("details.response", { has: page.locator(`.status:text-is("${status}")`) });

  it("leads from the contents to an operation, whose success example is on show", async () => {
    await page.locator('nav a[href="#get-api-v1-users-id"]').click();
    expect(new URL(page.url()).hash).toBe("#get-api-v1-users-id");
    await expect.poll(() => operation().locator("h3").isVisible()).toBe(true);
    expect(await operation().locator("h3").textContent()).toBe("GET /api/v1/users/{id}");

    const success = response("200").locator("figure.example pre").first();
    expect(await success.isVisible()).toBe(true);
    const example = JSON.parse((await success.textContent())!) as { metadata: { username: string } };
    expect(example.metadata.username).toBe("phineas");
    expect(await response("200").locator("table.fields").first().textContent()).toContain("active_platforms");
  });

  it("opens an error response to show its example", async () => {
    const notFound = response("404");
    const example = notFound.locator("figure.example pre").first();
    expect(await example.isVisible()).toBe(false);
    await notFound.locator("summary").click();
    expect(await example.isVisible()).toBe(true);
    expect(JSON.parse((await example.textContent())!)).toEqual({
      error: expect.stringContaining("is not being monitored"),
    });
  });

  it("follows a type to its schema, with its fields and example", async () => {
    await response("200").locator('a[href="#schema-LanternUser"]').first().click();
    const schema = page.locator("article#schema-LanternUser");
    await expect.poll(() => schema.isVisible()).toBe(true);
    expect(await schema.locator("table.fields").textContent()).toContain("last_seen_at");
    expect(await schema.locator("figure.example pre").textContent()).toContain('"status": "online"');
  });

  it("loaded nothing from elsewhere and reported no problem", async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.locator('nav a[href="#get-api-v1-users-id"]').click();
    await page.screenshot({ path: join(SCREENSHOTS, "operation.png") });
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.some((url) => url.endsWith("/docs"))).toBe(true);
    for (const url of browser.requests) expect(isLoopback(url), url).toBe(true);
    expect(problems).toEqual([]);
    console.log(`docs screenshots: ${SCREENSHOTS}`);
  });
});
