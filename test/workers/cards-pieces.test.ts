import { describe, expect, it, vi } from "vitest";
import { FONT_STACK } from "../../workers/cards/frame.ts";
import { type ImageLoaderOptions, loadImages } from "../../workers/cards/image-loader.ts";
import { isAllowedImageUrl, sizedImageUrl } from "../../workers/cards/images.ts";
import { imageDataUri, sniffImageType } from "../../workers/cards/mime.ts";
import { cleanText, fitText, textWidth, wrapText } from "../../workers/cards/text.ts";
import { escapeXml } from "../../workers/cards/xml.ts";
import { SHAPING } from "../fixtures/discord-presences.ts";

const FONT = { size: 14, bold: false };

const BYTES = {
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13],
  jpeg: [0xff, 0xd8, 0xff, 0xe0, 0, 16],
  gif: [...new TextEncoder().encode("GIF89a"), 1, 0],
  webp: [...new TextEncoder().encode("RIFF"), 0, 0, 0, 0, ...new TextEncoder().encode("WEBPVP8 ")],
};

describe("text", () => {
  it("cleanText drops controls and bidi overrides, single-spaces, and cuts before measuring", () => {
    expect(cleanText(" a\n\tb \u0000c\u202Ed ")).toBe("a b c d");
    expect(cleanText(null)).toBe("");
    expect([...cleanText("🌙".repeat(1000), 10)]).toHaveLength(10);
  });

  it("fitText keeps whole graphemes and ends in an ellipsis only when it cuts", () => {
    expect(fitText("short", 100, FONT)).toBe("short");
    const cut = fitText("👩‍👩‍👧‍👦".repeat(30), 100, FONT);
    expect(cut.endsWith("…")).toBe(true);
    expect(textWidth(cut, FONT)).toBeLessThanOrEqual(100);
    expect(cut.slice(0, -1).length % "👩‍👩‍👧‍👦".length).toBe(0);
  });

  it("wrapText wraps at spaces, cuts a word wider than a line, and ellipsises the overflow", () => {
    const lines = wrapText("one two three four five six seven eight nine ten", 80, FONT, 3);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(textWidth(line, FONT)).toBeLessThanOrEqual(80);
    expect(lines[2]!.endsWith("…")).toBe(true);
    const long = wrapText("x".repeat(40), 80, FONT, 2);
    expect(long).toHaveLength(2);
    expect(long.join("").replace("…", "").length).toBeLessThan(40);
    expect(wrapText("", 80, FONT, 3)).toEqual([]);
  });

  it("escapeXml escapes markup and drops what XML forbids", () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    expect(escapeXml("a\u0000b\uD800c\uFFFEd😀")).toBe("abcd😀");
  });
});

describe("the font stack", () => {
  const faces = FONT_STACK.split(", ").map((face) => face.replace(/^'(.*)'$/, "$1"));

  // A reader's system draws the card (an <img> loads no fonts), so each platform must find a face
  // for every script a name may be in among those the card names.
  it.each([
    [
      "macOS",
      { latin: "-apple-system", emoji: "Apple Color Emoji", cjk: "Hiragino Sans", arabic: "Geeza Pro" },
    ],
    ["Windows", { latin: "Segoe UI", emoji: "Segoe UI Emoji", cjk: "Microsoft YaHei", arabic: "Segoe UI" }],
    [
      "Linux",
      { latin: "Noto Sans", emoji: "Noto Color Emoji", cjk: "Noto Sans CJK JP", arabic: "Noto Sans Arabic" },
    ],
  ])("names %s's faces for Latin, emoji, CJK and Arabic", (_, platform) => {
    for (const face of Object.values(platform)) expect(faces).toContain(face);
  });

  it("puts the generic sans-serif after the UI faces and before the emoji and script faces", () => {
    const at = (face: string) => faces.indexOf(face);
    expect(at("sans-serif")).toBeGreaterThan(at("Arial"));
    expect(at("sans-serif")).toBeLessThan(at("Apple Color Emoji"));
    // Emoji faces before the CJK ones, which also draw some symbols, but in black and white.
    expect(at("Noto Color Emoji")).toBeLessThan(at("Hiragino Sans"));
    expect(new Set(faces).size).toBe(faces.length);
  });
});

describe("image types and URLs", () => {
  it("sniffs each accepted type by its magic bytes and refuses anything else", () => {
    expect(sniffImageType(new Uint8Array(BYTES.png))).toBe("image/png");
    expect(sniffImageType(new Uint8Array(BYTES.jpeg))).toBe("image/jpeg");
    expect(sniffImageType(new Uint8Array(BYTES.gif))).toBe("image/gif");
    expect(sniffImageType(new Uint8Array(BYTES.webp))).toBe("image/webp");
    for (const other of ["<svg xmlns='http://www.w3.org/2000/svg'/>", "<!doctype html>", "", "GIF87"])
      expect(sniffImageType(new TextEncoder().encode(other))).toBeNull();
    expect(imageDataUri(new Uint8Array(BYTES.png))).toBe("data:image/png;base64,iVBORw0KGgoAAAAN");
  });

  it("asks each CDN for the size the card draws", () => {
    expect(sizedImageUrl("https://cdn.test/avatars/1/a_abc.gif", SHAPING, 128)).toBe(
      "https://cdn.test/avatars/1/a_abc.png?size=128",
    );
    expect(sizedImageUrl("https://cdn.test/app-assets/1/2.png", SHAPING, 64)).toBe(
      "https://cdn.test/app-assets/1/2.png?size=64",
    );
    expect(sizedImageUrl("https://cdn.test/embed/avatars/2.png", SHAPING, 128)).toBe(
      "https://cdn.test/embed/avatars/2.png",
    );
    expect(
      sizedImageUrl("https://scdn.test/image/ab67616d0000b27364840995fe43bb2ec73a241d", SHAPING, 128),
    ).toBe("https://scdn.test/image/ab67616d00001e0264840995fe43bb2ec73a241d");
    expect(sizedImageUrl("https://media.test/external/x/https/a.png", SHAPING, 128)).toBe(
      "https://media.test/external/x/https/a.png",
    );
  });

  it("fetches only from the configured bases", () => {
    expect(isAllowedImageUrl("https://cdn.test/avatars/1/a.png", SHAPING)).toBe(true);
    expect(isAllowedImageUrl("https://media.test/external/a", SHAPING)).toBe(true);
    for (const url of [
      "https://cdn.test.evil/x.png",
      "https://cdn.test@evil/x",
      "https://evil/https://cdn.test/x",
    ])
      expect(isAllowedImageUrl(url, SHAPING)).toBe(false);
  });
});

describe("loadImages", () => {
  let caches_ = 0;
  async function options(
    fetcher: typeof fetch,
    extra: Partial<ImageLoaderOptions> = {},
  ): Promise<ImageLoaderOptions> {
    return {
      fetch: fetcher,
      cache: await caches.open(`cards-test-${++caches_}`),
      origin: "https://porchlight.test",
      allowed: (url) => url.startsWith("https://cdn.test/"),
      timeoutMs: 200,
      maxBytes: 1024,
      ...extra,
    };
  }
  const image = (bytes: number[], headers: Record<string, string> = {}) =>
    new Response(new Uint8Array(bytes), {
      headers: { "content-type": "application/octet-stream", ...headers },
    });

  it("fetches in parallel, types each by its bytes, and serves repeats from the cache", async () => {
    let inFlight = 0;
    let most = 0;
    const fetcher = vi.fn(async (input: RequestInfo | URL) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return image(String(input).endsWith(".png") ? BYTES.png : BYTES.webp);
    });
    const opts = await options(fetcher as typeof fetch);
    const urls = ["https://cdn.test/a.png", "https://cdn.test/b.webp", "https://cdn.test/a.png", null];
    const first = await loadImages(urls, opts);
    expect(most).toBe(2);
    expect(first.stats).toEqual({ fetched: 2, stored: 0, cached: 0, failed: 0 });
    expect(first.images.get("https://cdn.test/a.png")).toMatch(/^data:image\/png;base64,/);
    expect(first.images.get("https://cdn.test/b.webp")).toMatch(/^data:image\/webp;base64,/);
    const second = await loadImages(urls, opts);
    expect(second.stats).toEqual({ fetched: 0, stored: 0, cached: 2, failed: 0 });
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it("never follows a redirect off the allowed bases: a 3xx is a failed image", async () => {
    // What the runtime's fetch does with `redirect`: follow unless told to hand the 3xx back.
    const fetcher = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      if (String(input).startsWith("https://elsewhere.test/")) return image(BYTES.png);
      if (init?.redirect === "manual") {
        return new Response(null, { status: 302, headers: { location: "https://elsewhere.test/x.png" } });
      }
      return fetcher("https://elsewhere.test/x.png");
    });
    const { images, stats } = await loadImages(
      ["https://cdn.test/moved.png"],
      await options(fetcher as typeof fetch),
    );
    expect(images.size).toBe(0);
    expect(stats).toEqual({ fetched: 1, stored: 0, cached: 0, failed: 1 });
    expect(fetcher.mock.calls.map(([url]) => String(url))).not.toContain("https://elsewhere.test/x.png");
  });

  it("gives up on a slow, oversized, mistyped, failed or foreign image, and remembers the failure", async () => {
    const fetcher = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      if (url.endsWith("/slow"))
        return new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
        );
      if (url.endsWith("/declared-big")) return image(BYTES.png, { "content-length": "999999" });
      if (url.endsWith("/streamed-big")) return image([...BYTES.png, ...new Array(2000).fill(0)]);
      if (url.endsWith("/html"))
        return new Response("<!doctype html>", { headers: { "content-type": "image/png" } });
      return new Response("nope", { status: 404 });
    });
    const opts = await options(fetcher as typeof fetch);
    const urls = ["slow", "declared-big", "streamed-big", "html", "missing"].map(
      (path) => `https://cdn.test/${path}`,
    );
    const started = Date.now();
    const { images, stats } = await loadImages([...urls, "https://elsewhere.test/x.png"], opts);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(images.size).toBe(0);
    expect(stats).toEqual({ fetched: 5, stored: 0, cached: 0, failed: 6 });
    expect(fetcher.mock.calls.map(([url]) => String(url))).not.toContain("https://elsewhere.test/x.png");
    const again = await loadImages(urls, opts);
    expect(again.stats).toEqual({ fetched: 0, stored: 0, cached: 5, failed: 5 });
  });

  it("without a cache (TTL 0) every load fetches", async () => {
    const fetcher = vi.fn(async () => image(BYTES.jpeg));
    const opts = await options(fetcher as typeof fetch, { cache: null });
    await loadImages(["https://cdn.test/a.jpg"], opts);
    await loadImages(["https://cdn.test/a.jpg"], opts);
    expect(fetcher).toHaveBeenCalledTimes(2);
  });
});
