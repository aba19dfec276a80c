/// <reference lib="dom" />

import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InProcessStack, markedPresence, startInProcessStack } from "../../bench/lib/stack.ts";
import { SEED_MEMBERS } from "../../emulator/seed.ts";
import { isLoopback, launchOfflineChromium, type OfflineChromium } from "./offline-chromium.ts";

/**
 * The landing page as a visitor sees it: Chromium opens / on the Worker under wrangler dev, with the
 * gateway runner watching the emulator, so a presence set through the emulator's control API
 * travels the whole pipeline to the page's socket. The page must open on the seeded user, follow
 * her changes live, show a card that loads and reloads, show the API's own error for a bad id,
 * draw a hostile name as text, and request nothing from beyond this machine.
 */

const SCREENSHOTS = join(tmpdir(), "porchlight-landing-screenshots");
const ada = SEED_MEMBERS[0]!;
const STRANGER = "1300000000000000099";

let stack: InProcessStack;
let browser: OfflineChromium;
let page: OfflineChromium["page"];
const dialogs: string[] = [];

const control = (path: string, method: string, body: unknown) =>
  fetch(`${stack.emulator.urls.control}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** The card as the page shows it: where from, its size, and its pixels to tell two drawings apart. */
async function cardDrawing() {
  const card = page.locator("#card");
  const { src, width, height } = await card.evaluate((image: HTMLImageElement) => ({
    src: image.src,
    width: image.naturalWidth,
    height: image.naturalHeight,
  }));
  return { src, width, height, pixels: (await card.screenshot()).toString("base64") };
}

const cardLoaded = () =>
  page.waitForFunction(() => {
    const image = document.getElementById("card") as HTMLImageElement;
    return image.complete && image.naturalWidth > 0;
  });

/** Types an id and shows it, as a visitor does. */
async function follow(id: string) {
  await page.fill("#user-id", id);
  await page.click("#user-form button[type=submit]");
}

const text = async (selector: string) => (await page.locator(selector).textContent()) ?? "";

beforeAll(async () => {
  stack = await startInProcessStack({ users: 3, seed: 13, heartbeatIntervalMs: 2_000 });
  browser = await launchOfflineChromium({ viewport: { width: 1280, height: 1400 } });
  page = browser.page;
  // An injected onerror would open one.
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${stack.worker.url}/`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("the landing page in Chromium", () => {
  it("says what the deployment is and counts what GET / counts for API clients", async () => {
    expect(await page.title()).toMatch(/Porchlight/);
    const json = (await (await fetch(`${stack.worker.url}/`)).json()) as {
      data: { monitored_user_count: number };
    };
    const count = json.data.monitored_user_count;
    expect(count).toBeGreaterThan(SEED_MEMBERS.length);
    expect(await page.locator("#monitored-count").getAttribute("data-count")).toBe(String(count));
    expect(await text("#monitored-count")).toBe(`Watching ${count} users`);
  });

  it("opens on the seeded user, live over the socket, with her card", async () => {
    expect(await page.inputValue("#user-id")).toBe(ada.id);
    await page.waitForSelector("#socket-state[data-state=live]");
    expect(await page.locator("#presence").getAttribute("data-user")).toBe(ada.id);
    const live = await text("#presence");
    expect(live).toContain(ada.global_name!);
    expect(live).toContain("Listening to Spotify: Let Go");
    await cardLoaded();
    expect(await cardDrawing()).toMatchObject({ width: 560, height: 260 });
    expect(await text("#snippet-curl")).toBe(`curl ${stack.worker.url}/api/v1/users/${ada.id}`);
  });

  it("follows a presence change made on Discord, and redraws the card", async () => {
    const before = await cardDrawing();
    const marker = `landing-${Date.now()}`;
    const res = await control(
      `/guilds/${stack.guildId}/presences`,
      "POST",
      markedPresence(ada.id, marker, "dnd"),
    );
    expect(res.status).toBeLessThan(300);
    await page.waitForFunction(
      (marker) => document.getElementById("presence")!.textContent!.includes(marker),
      marker,
      {
        timeout: 20_000,
      },
    );
    expect(await text("#presence .status-line")).toBe("Do not disturb");
    expect(await text("#presence-updated")).toMatch(/from PRESENCE_UPDATE$/);
    await page.waitForFunction(
      (before) => (document.getElementById("card") as HTMLImageElement).src !== before,
      before.src,
    );
    await cardLoaded();
    const after = await cardDrawing();
    expect(after).toMatchObject({ width: 560, height: 260 });
    expect(after.pixels).not.toBe(before.pixels);
  });

  it("builds the README Markdown from the card options, and the card follows them", async () => {
    await page.selectOption("#card-options select[name=theme]", "light");
    await page.check("#card-options input[name=hideActivity]");
    const markdown = `![Discord presence](${stack.worker.url}/api/v1/users/${ada.id}?svg=1&theme=light&hideActivity=1)`;
    expect(await text("#snippet-markdown")).toBe(markdown);
    await page.waitForFunction(
      () => (document.getElementById("card") as HTMLImageElement).naturalHeight === 128,
    );
    expect((await cardDrawing()).width).toBe(560);
  });

  it.each([
    { id: "123", status: 400 },
    { id: STRANGER, status: 404 },
  ])("shows the API's own error for $id", async ({ id, status }) => {
    const api = await fetch(`${stack.worker.url}/api/v1/users/${id}`);
    expect(api.status).toBe(status);
    const { error } = (await api.json()) as { error: string };
    await follow(id);
    await page.waitForSelector("#presence-error:not([hidden])");
    expect(await text("#presence-error")).toBe(`${status} ${error}`);
    expect(await page.locator("#socket-state").getAttribute("data-state")).toBe("idle");
    expect(await page.locator("#presence").getAttribute("data-user")).toBeNull();
    // The card route draws the same refusal as an image.
    await cardLoaded();
    expect((await cardDrawing()).width).toBe(560);
  });

  it("draws a hostile display name as text", async () => {
    const id = "1300000000000000123";
    // Discord's 32-character limit on display names leaves room for this much markup.
    const name = `<img src=x onerror=alert(1)><b>`;
    const joined = await control(`/guilds/${stack.guildId}/members/${id}`, "PUT", {
      username: "mallory",
      global_name: name,
    });
    expect(joined.status).toBe(201);
    await expect
      .poll(async () => (await fetch(`${stack.worker.url}/api/v1/users/${id}`)).status, { timeout: 20_000 })
      .toBe(200);
    await follow(id);
    await page.waitForSelector("#socket-state[data-state=live]");
    expect(await text("#presence .name")).toBe(name);
    expect(await page.locator("#presence img, #presence b").count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it("looks right, and no request left the machine", async () => {
    await follow(ada.id);
    await page.waitForSelector("#socket-state[data-state=live]");
    await cardLoaded();
    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = await page.screenshot({ path: join(SCREENSHOTS, "landing.png"), fullPage: true });
    expect(shot.length).toBeGreaterThan(30_000);
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: join(SCREENSHOTS, "landing-dark.png"), fullPage: true });
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.some((url) => url.endsWith("/socket"))).toBe(true);
    for (const url of browser.requests) expect(isLoopback(url), url).toBe(true);
    console.log(`landing screenshots: ${SCREENSHOTS}`);
  });
});
