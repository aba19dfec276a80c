/// <reference lib="dom" />

import type { Page } from "playwright-core";

/**
 * Which characters of a text Chromium draws as missing-glyph boxes, through the same path a README
 * shows a card by: an SVG document in an <img>, which may use system fonts only. Each grapheme is
 * drawn alone in a small SVG with the card's font-family, size and weight, and its pixels compared
 * with those of code points no font draws (U+FDD0, a noncharacter XML still allows where it forbids
 * U+FFFF, and U+E000, private use). A
 * character no face in the stack, nor the system's own fallback, has comes out as the primary face's
 * .notdef box, pixel for pixel the same as theirs; one that comes out blank is missing too. A
 * sequence no face joins (a ZWJ emoji, a flag) is drawn as its parts, several boxes wide when they
 * are missing, so each visible code point of a grapheme is checked alone as well as the whole.
 */

export interface GlyphProbe {
  /** The font-family attribute, as the card declares it. */
  fontFamily: string;
  fontSize: number;
  fontWeight: number;
  text: string;
}

export interface GlyphReport {
  /** The graphemes drawn as boxes or not at all, in text order. */
  missing: string[];
  /**
   * The two known-missing code points drew the same: both as the same .notdef. If they did not,
   * some face drew one of them, and the comparison would prove nothing.
   */
  referencesAgree: boolean;
}

export function missingGlyphs(page: Page, probe: GlyphProbe): Promise<GlyphReport> {
  return page.evaluate(async ({ fontFamily, fontSize, fontWeight, text }) => {
    const tile = Math.ceil(fontSize * 3);
    const canvas = document.createElement("canvas");
    canvas.width = tile;
    canvas.height = tile;
    const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
    const escapeXml = (value: string) =>
      value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");

    /** The grapheme's pixels as one comparable string, or null when nothing was drawn. */
    const pixels = async (grapheme: string): Promise<string | null> => {
      const svg =
        `<svg xmlns="http://www.w3.org/2000/svg" width="${tile}" height="${tile}" font-family="${escapeXml(fontFamily)}">` +
        `<text x="${fontSize / 2}" y="${fontSize * 2}" font-size="${fontSize}" font-weight="${fontWeight}">${escapeXml(grapheme)}</text></svg>`;
      const image = new Image();
      image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      await image.decode();
      ctx.clearRect(0, 0, tile, tile);
      ctx.drawImage(image, 0, 0);
      const { data } = ctx.getImageData(0, 0, tile, tile);
      return data.some((value, i) => i % 4 === 3 && value > 0) ? data.join(",") : null;
    };

    const references = [await pixels("\uFDD0"), await pixels("\uE000")];
    const segments = new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text);
    const missing: string[] = [];
    const isBox = async (value: string) => {
      const drawn = await pixels(value);
      return drawn === null || references.includes(drawn);
    };
    // Joiners, variation selectors and marks draw nothing, or a dotted circle, on their own.
    const invisible = /^(?:\s|\p{Default_Ignorable_Code_Point}|\p{M})$/u;
    for (const { segment } of segments) {
      const parts = [...segment].filter((char) => !invisible.test(char));
      if (parts.length === 0) continue;
      for (const part of new Set([segment, ...parts])) {
        if (await isBox(part)) {
          missing.push(segment);
          break;
        }
      }
    }
    return { missing, referencesAgree: references[0] !== null && references[0] === references[1] };
  }, probe);
}
