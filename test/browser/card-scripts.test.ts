/// <reference lib="dom" />

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CardStack, startCardStack } from "../../bench/lib/card-stack.ts";
import { SEED } from "../../emulator/seed.ts";
import { FONT_STACK } from "../../workers/cards/frame.ts";
import { type GlyphProbe, missingGlyphs } from "./missing-glyphs.ts";
import { isLoopback, launchOfflineChromium, type OfflineChromium } from "./offline-chromium.ts";

/**
 * Names in the scripts people really use, drawn by Chromium with the fonts
 * scripts/install-chromium.sh installs (what a Linux desktop has): the cards of a Japanese, an
 * Arabic and an emoji name must draw every character of the name, none as a missing-glyph box.
 * The same check run in a Chromium that sees only Latin faces must find the boxes, which proves it
 * can fail.
 */

const SCREENSHOTS = join(tmpdir(), "porchlight-card-screenshots");

const PEOPLE = [
  // Kanji, hiragana, katakana and the katakana middle dot.
  { script: "japanese", username: "hanako", name: "山田はなこ・ハナ" },
  { script: "arabic", username: "layla", name: "ليلى المصرية" },
  // A plain emoji, one with a variation selector, a flag and a skin-toned sequence, both joined by ZWJ.
  { script: "emoji", username: "mia", name: "Mia 🦊✨🏳️‍🌈👩🏽‍💻" },
];

let stack: CardStack;
let browser: OfflineChromium;
/** The name's <text> in each person's card, as the probe draws it. */
const probes = new Map<string, GlyphProbe>();

/** Reads the card the Worker serves: its root font-family and the <text> that holds the name. */
async function nameProbe(svg: string, name: string): Promise<GlyphProbe> {
  const found = await browser.page.evaluate(
    ({ svg, name }) => {
      const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
      const text = [...doc.querySelectorAll("text")].find((element) => element.textContent === name);
      return {
        fontFamily: doc.documentElement.getAttribute("font-family"),
        fontSize: Number(text?.getAttribute("font-size")),
        fontWeight: Number(text?.getAttribute("font-weight") ?? 400),
        found: text !== undefined,
      };
    },
    { svg, name },
  );
  // The whole name must be on the card, not cut to fit, or the probe would check less than it draws.
  expect(found.found, `the card draws "${name}" whole`).toBe(true);
  expect(found.fontFamily).toBe(FONT_STACK);
  return {
    fontFamily: found.fontFamily!,
    fontSize: found.fontSize,
    fontWeight: found.fontWeight,
    text: name,
  };
}

/** A fontconfig that sees the Liberation faces only: no CJK, Arabic or emoji anywhere. */
function latinOnlyFonts(): { env: Record<string, string>; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "porchlight-fonts-"));
  writeFileSync(
    join(dir, "fonts.conf"),
    `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>` +
      `<dir>/usr/share/fonts/truetype/liberation</dir><cachedir>${dir}/cache</cachedir></fontconfig>`,
  );
  return { env: { FONTCONFIG_FILE: join(dir, "fonts.conf") }, dir };
}

beforeAll(async () => {
  stack = await startCardStack();
  const world = stack.emulator.world;
  const ids = PEOPLE.map(({ username, name }) => {
    const user = world.createUser({ username, global_name: name });
    world.addMember(SEED.guildId, user.id);
    world.setPresence(SEED.guildId, { user, status: "online", client_status: { desktop: "online" } });
    return user.id;
  });
  await stack.ingestMembers(ids);

  browser = await launchOfflineChromium();
  const cards = PEOPLE.map((person, n) => ({ ...person, url: stack.cardUrl(ids[n]!) }));
  for (const { script, name, url } of cards) {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    probes.set(script, await nameProbe(await res.text(), name));
  }
  // The cards as a README shows them, kept for people to look at.
  await browser.page.setContent(
    `<!doctype html><meta charset="utf-8"><body style="margin:0;padding:16px;background:#f6f8fa">${cards
      .map(({ script, url }) => `<p style="margin:0 0 12px"><img id="${script}" src="${url}"></p>`)
      .join("")}</body>`,
  );
  await browser.page.waitForFunction(() => [...document.images].every((image) => image.complete));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("names in other scripts", () => {
  it.each(PEOPLE)("the $script name is drawn whole, with no missing-glyph box", async ({ script }) => {
    const report = await missingGlyphs(browser.page, probes.get(script)!);
    expect(report).toEqual({ missing: [], referencesAgree: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    const image = browser.page.locator(`#${script}`);
    expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(560);
    await image.screenshot({ path: join(SCREENSHOTS, `script-${script}.png`) });
  });

  it("with only Latin faces, the same check finds every character outside ASCII as a box", async () => {
    const fonts = latinOnlyFonts();
    const bare = await launchOfflineChromium({ env: fonts.env });
    try {
      for (const { script, name } of PEOPLE) {
        const report = await missingGlyphs(bare.page, probes.get(script)!);
        const graphemes = [...new Intl.Segmenter(undefined).segment(name)].map(({ segment }) => segment);
        expect(report, script).toEqual({
          missing: graphemes.filter((grapheme) => /[^\x20-\x7e]/.test(grapheme)),
          referencesAgree: true,
        });
      }
    } finally {
      await bare.close();
      rmSync(fonts.dir, { recursive: true, force: true });
    }
  });

  it("no request left the machine", () => {
    expect(browser.blocked).toEqual([]);
    for (const url of browser.requests) expect(isLoopback(url), url).toBe(true);
  });
});
