/// <reference lib="dom" />

import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CardStack, startCardStack } from "../../bench/lib/card-stack.ts";
import { SEED_MEMBERS } from "../../emulator/seed.ts";
import { isLoopback, launchOfflineChromium, type OfflineChromium } from "./offline-chromium.ts";

/**
 * Cards in a real browser, the way a README shows them: Debian's Chromium loads a page of cards as
 * <img> elements from the Worker under wrangler dev, whose images come from the emulator's CDN.
 * Each card must load at its fixed size and draw something; Chromium's own XML parser must accept
 * it; and no request may leave the machine. Screenshots are kept for people to look at.
 */

const SCREENSHOTS = join(tmpdir(), "porchlight-card-screenshots");

const [ada, grace, linus] = SEED_MEMBERS;
const CARDS = [
  { name: "spotify-dark", user: ada!.id, query: "", width: 560, height: 260 },
  { name: "spotify-light", user: ada!.id, query: "theme=light", width: 560, height: 260 },
  { name: "game-dark", user: grace!.id, query: "", width: 560, height: 260 },
  { name: "game-light", user: grace!.id, query: "theme=light&borderRadius=8px", width: 560, height: 260 },
  { name: "offline", user: linus!.id, query: "bg=f5f0ff", width: 560, height: 260 },
  { name: "compact", user: ada!.id, query: "hideActivity=1", width: 560, height: 128 },
  { name: "not-monitored", user: "1300000000000000099", query: "", width: 560, height: 260 },
  { name: "not-a-discord-id", user: "12345", query: "", width: 560, height: 260 },
  { name: "bad-parameter", user: ada!.id, query: "theme=purple", width: 560, height: 260 },
];

let stack: CardStack;
let pageServer: Server;
let pageUrl: string;
let browser: OfflineChromium;
let page: OfflineChromium["page"];

beforeAll(async () => {
  stack = await startCardStack();
  await stack.ingestSeededMembers();
  const html = `<!doctype html><meta charset="utf-8"><body style="margin:0;padding:16px;background:#f6f8fa">${CARDS.map(
    (card) =>
      `<p style="margin:0 0 12px"><img id="${card.name}" crossorigin="anonymous" src="${stack.cardUrl(card.user, card.query)}"></p>`,
  ).join("")}</body>`;
  pageServer = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(html));
  pageServer.listen(0, "127.0.0.1");
  await once(pageServer, "listening");
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;

  browser = await launchOfflineChromium({ viewport: { width: 600, height: 2400 } });
  page = browser.page;
  await page.goto(pageUrl);
  await page.waitForFunction(() => [...document.images].every((image) => image.complete), null, {
    timeout: 30_000,
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  pageServer?.close();
  await stack?.stop();
});

describe("cards in Chromium", () => {
  it.each(CARDS)("$name loads as an image of its fixed size and draws something", async (card) => {
    const drawn = await page.evaluate((id) => {
      const image = document.getElementById(id) as HTMLImageElement;
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(image, 0, 0);
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set<number>();
      let opaque = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) opaque++;
        colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      }
      return { width: image.naturalWidth, height: image.naturalHeight, colours: colours.size, opaque };
    }, card.name);
    expect(drawn).toMatchObject({ width: card.width, height: card.height });
    expect(drawn.colours).toBeGreaterThan(20);
    expect(drawn.opaque).toBeGreaterThan(card.width * card.height * 0.9);
    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = await page
      .locator(`#${card.name}`)
      .screenshot({ path: join(SCREENSHOTS, `${card.name}.png`) });
    expect(shot.length).toBeGreaterThan(2_000);
  });

  it("every card is well-formed XML to Chromium's own parser", async () => {
    const errors = await page.evaluate(
      async (urls) => {
        const out: string[] = [];
        for (const url of urls) {
          const text = await (await fetch(url)).text();
          const doc = new DOMParser().parseFromString(text, "image/svg+xml");
          const error = doc.querySelector("parsererror");
          if (error || doc.documentElement.nodeName !== "svg")
            out.push(`${url}: ${error?.textContent ?? "not svg"}`);
        }
        return out;
      },
      CARDS.map((card) => stack.cardUrl(card.user, card.query)),
    );
    expect(errors).toEqual([]);
  });

  it("the page's screenshot is not empty, and no request left the machine", async () => {
    const shot = await page.screenshot({ path: join(SCREENSHOTS, "page.png"), fullPage: true });
    expect(shot.length).toBeGreaterThan(20_000);
    expect(browser.blocked).toEqual([]);
    expect(browser.requests.length).toBeGreaterThanOrEqual(CARDS.length + 1);
    for (const url of browser.requests) expect(isLoopback(url), url).toBe(true);
    console.log(`card screenshots: ${SCREENSHOTS}`);
  });
});
