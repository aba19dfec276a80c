import { describe, expect, it } from "vitest";
import { lanternUser } from "../../durable-objects/payloads/lantern.ts";
import { CardQuery } from "../../schemas/card.ts";
import type { LanternUser } from "../../schemas/lantern.ts";
import { BADGE_FLAGS } from "../../workers/cards/badges.ts";
import { renderErrorCard } from "../../workers/cards/error-card.ts";
import { type CardImages, NO_IMAGES } from "../../workers/cards/images.ts";
import { cardOptions } from "../../workers/cards/options.ts";
import { renderCard } from "../../workers/cards/render.ts";
import {
  ACTIVITIES,
  FIXTURE_NOW,
  lanternOnline,
  OFFLINE,
  online,
  SHAPING,
  USERS,
  userState,
} from "../fixtures/discord-presences.ts";
import { findAll, parseXml, texts, type XmlElement } from "./cards-xml.ts";

const PNG = "data:image/png;base64,iVBORw0KGgo=";
const JPEG = "data:image/jpeg;base64,/9j/4AAQ";
const IMAGES: CardImages = {
  avatar: PNG,
  activityLarge: JPEG,
  activitySmall: PNG,
  emoji: PNG,
  serverTag: PNG,
};

/** Renders and parses: every card in these tests must be well-formed XML. */
function card(
  lantern: LanternUser,
  query: Partial<Record<keyof CardQuery, string>> = {},
  images = IMAGES,
  now = FIXTURE_NOW,
) {
  const svg = renderCard(lantern, cardOptions(CardQuery.parse(query)), images, now);
  return { svg, root: parseXml(svg) };
}

const attr = (element: XmlElement | undefined, name: string) => element?.attributes[name];
/** The card itself: the one rectangle with a border. */
const background = (root: XmlElement) => findAll(root, "rect").find((rect) => rect.attributes.stroke)!;
const flagsOn = (root: XmlElement) => findAll(root, "g").flatMap((g) => g.attributes["data-flag"] ?? []);

/** What a safe card is made of: SVG's own drawing elements, and images only as data URIs. */
function expectSelfContained(root: XmlElement) {
  const allowed = new Set([
    "svg",
    "title",
    "defs",
    "clipPath",
    "rect",
    "circle",
    "path",
    "g",
    "text",
    "image",
  ]);
  const all = (element: XmlElement): XmlElement[] => [
    element,
    ...element.children.flatMap((child) => (typeof child === "string" ? [] : all(child))),
  ];
  for (const element of all(root)) {
    expect(allowed, `<${element.name}>`).toContain(element.name);
    for (const [name, value] of Object.entries(element.attributes)) {
      expect(name.startsWith("on"), `${name} on <${element.name}>`).toBe(false);
      // The namespace, and the accessible name (plain text, whatever it says), are not fetched.
      if (name === "xmlns" || name === "aria-label") continue;
      if (name === "href") expect(value).toMatch(/^data:image\/(png|jpeg|gif|webp);base64,/);
      else expect(value).not.toMatch(/https?:|javascript:/i);
    }
  }
}

describe("a listening card", () => {
  const ada = lanternOnline([ACTIVITIES.customStatusUnicodeEmoji, ACTIVITIES.spotifyTwoArtists]);

  it("has the fixed size, the profile, the track and a progress bar computed when drawn", () => {
    const { root } = card(ada);
    expect(root.attributes).toMatchObject({ width: "560", height: "260", viewBox: "0 0 560 260" });
    expect(texts(root)).toEqual([
      "Ada",
      "LNYD",
      "ada",
      "🌱 touching grass",
      "LISTENING TO SPOTIFY",
      "Let Go",
      "by Ark Patrol, Veronika Redd",
      "on Let Go",
      "1:23",
      "4:08",
    ]);
    const fraction = Number(
      findAll(root, "rect").find((r) => r.attributes["data-fraction"])!.attributes["data-fraction"],
    );
    expect(fraction).toBeCloseTo(83_323 / 248_056, 3);
    expectSelfContained(root);
  });

  it("moves the position with the clock it is drawn at, and stops at the end", () => {
    expect(texts(card(ada, {}, IMAGES, FIXTURE_NOW + 60_000).root)).toContain("2:23");
    expect(texts(card(ada, {}, IMAGES, FIXTURE_NOW + 3_600_000).root)).toContain("4:08");
  });

  it("inlines the album art and avatar it is given, and draws placeholders without them", () => {
    const withImages = findAll(card(ada).root, "image").map((image) => image.attributes.href);
    expect(withImages).toEqual(expect.arrayContaining([PNG, JPEG]));
    const { root } = card(ada, {}, NO_IMAGES);
    expect(findAll(root, "image")).toEqual([]);
    expect(texts(root)).toContain("A"); // the avatar's stand-in: the name's initial
    expectSelfContained(root);
  });

  it("treats another listening app like Spotify, and a fake Spotify as any app", () => {
    const apple = lanternOnline([
      {
        ...ACTIVITIES.fakeSpotify,
        name: "Apple Music",
        timestamps: { start: FIXTURE_NOW - 1000, end: FIXTURE_NOW + 9000 },
      },
    ]);
    expect(texts(card(apple).root)).toEqual(
      expect.arrayContaining([
        "LISTENING TO APPLE MUSIC",
        "Not a real track",
        "by Not a real artist",
        "0:01",
        "0:10",
      ]),
    );
    const local = lanternOnline([ACTIVITIES.spotifyLocalFile]);
    expect(texts(card(local).root)).toEqual(
      expect.arrayContaining(["field-recording-2019-07-04", "0:30", "1:02:05"]),
    );
  });
});

describe("an activity card", () => {
  const grace = lanternUser(
    userState(USERS.grace, {
      status: "dnd",
      client_status: { desktop: "dnd" },
      activities: [ACTIVITIES.customStatusCustomEmoji, ACTIVITIES.gameWithAssets],
    }),
    {},
    SHAPING,
    FIXTURE_NOW,
  );

  it("shows the first activity with its images, details, state and elapsed time", () => {
    const { root } = card(grace);
    expect(texts(root)).toEqual([
      "Grace 🌙",
      "grace",
      "cozy",
      "PLAYING",
      "Visual Studio Code",
      "Editing README.md",
      "Workspace: lanyard",
      "1:02:05 elapsed",
    ]);
    expect(findAll(root, "image")).toHaveLength(4); // avatar, emoji, large and small image
    expect(findAll(root, "title").map((t) => t.children[0])).toContain("dnd");
    expectSelfContained(root);
  });

  it("counts down an activity that has only an end, and shows no time without timestamps", () => {
    expect(texts(card(lanternOnline([ACTIVITIES.endOnlyTimestamps])).root)).toContain("5:00 left");
    const streaming = card(lanternOnline([ACTIVITIES.streaming])).root;
    expect(texts(streaming)).toEqual(expect.arrayContaining(["STREAMING", "Twitch", "Music"]));
    expect(texts(streaming).some((t) => /elapsed|left/.test(t))).toBe(false);
  });

  it("leaves out a custom emoji whose image failed, keeping the text", () => {
    expect(texts(card(grace, {}, { ...IMAGES, emoji: null }).root)).toContain("cozy");
  });
});

describe("an offline card", () => {
  const seen = FIXTURE_NOW - 3 * 3_600_000;
  const linus = lanternUser(
    userState(USERS.linus, OFFLINE, { last_seen_at: seen }),
    {},
    SHAPING,
    FIXTURE_NOW,
  );

  it("says when the user was last seen, and the no-activity text", () => {
    const { root } = card(linus);
    expect(texts(root)).toEqual([
      "linus",
      "Last seen 3 hours ago",
      "ACTIVITY",
      "No activity",
      "Not doing anything right now.",
    ]);
  });

  it("older sightings read as a date", () => {
    const old = lanternUser(
      userState(USERS.linus, OFFLINE, { last_seen_at: Date.UTC(2025, 0, 2) }),
      {},
      SHAPING,
      FIXTURE_NOW,
    );
    expect(texts(card(old).root)).toContain("Last seen on 2 Jan 2025");
  });
});

describe("badges", () => {
  it("every documented public flag has a badge, with its name as the title", () => {
    const { root } = card(lanternOnline([], USERS.everyFlag));
    expect(flagsOn(root)).toEqual(BADGE_FLAGS);
    expect(BADGE_FLAGS).toHaveLength(15);
  });

  it.each(BADGE_FLAGS)("%s alone draws one badge", (flag) => {
    const lantern = lanternOnline([]);
    lantern.metadata.flags = { human_readable: [flag], bitfield: 1 };
    expect(flagsOn(card(lantern).root)).toEqual([flag]);
  });

  it("internal, unknown and unnamed flags never break a card", () => {
    const lantern = lanternOnline([]);
    lantern.metadata.flags = {
      human_readable: ["Spammer", "Quarantined", "MFASMS", "SomethingNew2027"],
      bitfield: 2 ** 52,
    };
    const { root } = card(lantern);
    expect(flagsOn(root)).toEqual([]);
    expect(texts(root)[0]).toBe("Ada");
  });
});

describe("hostile strings", () => {
  const attacks = [
    "<script>alert(1)</script>",
    '"/><image href="https://evil.example/x.png"/><text x="0',
    "</text></svg><svg onload=alert(1)>",
    "&amp; &lt; &#x3c; ]]> <![CDATA[ x ]]>",
    "nul\u0000 esc\u001b bell\u0007 lone\uD800 surrogate\uDFFF fffe\uFFFE",
    "\u202Egnp.exe\u202C RLO",
    "x".repeat(100_000),
  ];

  it.each(attacks)("%#: in every user-controlled string, stays text", (attack) => {
    const hostile = lanternUser(
      userState(
        {
          ...USERS.ada,
          username: attack,
          global_name: attack,
          primary_guild: { ...USERS.ada.primary_guild, tag: attack },
        },
        online(
          { ...ACTIVITIES.customStatusUnicodeEmoji, state: attack, emoji: { name: attack } },
          { ...ACTIVITIES.gameWithAssets, name: attack, details: attack, state: attack },
        ),
      ),
      {},
      SHAPING,
      FIXTURE_NOW,
    );
    for (const query of [{}, { hideActivity: "1" }]) {
      const { svg, root } = card(hostile, query);
      expectSelfContained(root);
      expect(svg).not.toMatch(/<script|<image href="http/i);
      expect(svg.match(/<svg/g)).toHaveLength(1);
      expect(svg).not.toMatch(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]|[\u202A-\u202E]/u);
      expect(svg.length).toBeLessThan(12_000);
      for (const line of texts(root)) expect([...line].length).toBeLessThanOrEqual(80);
    }
    // The no-activity texts come from the query: the same rules hold.
    const { root } = card(lanternOnline([]), {
      noActivityTitle: attack.slice(0, 64),
      noActivityMessage: attack.slice(0, 256),
    });
    expectSelfContained(root);
  });

  it("markup characters reach the reader as the characters themselves", () => {
    const { svg, root } = card(lanternOnline([{ ...ACTIVITIES.gameWithAssets, name: "<b>&\"'</b>" }]));
    expect(texts(root)).toContain("<b>&\"'</b>");
    expect(svg).toContain("&lt;b&gt;&amp;&quot;&apos;&lt;/b&gt;");
  });
});

describe("parameters", () => {
  const ada = lanternOnline([ACTIVITIES.spotifyTwoArtists, ACTIVITIES.gameWithAssets]);

  it("theme and bg set the colours; bg alone picks the theme that reads on it", () => {
    expect(attr(background(card(ada).root), "fill")).toBe("#1e1f22");
    expect(attr(background(card(ada, { theme: "light" }).root), "fill")).toBe("#ffffff");
    const custom = card(ada, { bg: "112233" }).root;
    expect(attr(background(custom), "fill")).toBe("#112233");
    expect(attr(findAll(custom, "text")[0], "fill")).toBe("#f2f3f5");
    const pale = card(ada, { bg: "%23fafafa".replace("%23", "#") }).root;
    expect(attr(findAll(pale, "text")[0], "fill")).toBe("#060607");
  });

  it("borderRadius is in rem (Lantern's unit) or px, honours 0, and is held to half the height", () => {
    expect(attr(background(card(ada).root), "rx")).toBe("15.5");
    expect(attr(background(card(ada, { borderRadius: "0" }).root), "rx")).toBe("0");
    expect(attr(background(card(ada, { borderRadius: "0.5rem" }).root), "rx")).toBe("7.5");
    expect(attr(background(card(ada, { borderRadius: "12px" }).root), "rx")).toBe("11.5");
    expect(attr(background(card(ada, { borderRadius: "8", hideActivity: "1" }).root), "rx")).toBe("63.5");
  });

  it("each hide* parameter hides its part, as 1 or true", () => {
    const base = card(ada).root;
    expect(texts(base)).toEqual(
      expect.arrayContaining(["Ada", "ada", "LNYD", "LISTENING TO SPOTIFY", "1:23"]),
    );
    expect(flagsOn(base)).toEqual(["HypeSquadOnlineHouse1"]);
    for (const on of ["1", "true"]) {
      expect(texts(card(ada, { hideGlobalName: on }).root)[0]).toBe("ada");
      expect(findAll(card(ada, { hideStatus: on }).root, "title").map((t) => t.children[0])).not.toContain(
        "online",
      );
      expect(flagsOn(card(ada, { hideBadges: on }).root)).toEqual([]);
      expect(texts(card(ada, { hideServerTag: on }).root)).not.toContain("LNYD");
      expect(texts(card(ada, { hideSpotify: on }).root)).toContain("Visual Studio Code");
      expect(texts(card(ada, { hideTimestamp: on }).root)).not.toContain("1:23");
      const compact = card(ada, { hideActivity: on }).root;
      expect(compact.attributes.height).toBe("128");
      expect(texts(compact)).not.toContain("LISTENING TO SPOTIFY");
    }
    for (const off of ["0", "false"]) expect(texts(card(ada, { hideServerTag: off }).root)).toContain("LNYD");
  });

  it("hideTimestamp hides elapsed time too, and hideLastSeen the last sighting", () => {
    expect(
      texts(card(lanternOnline([ACTIVITIES.gameWithAssets]), { hideTimestamp: "1" }).root).join(),
    ).not.toContain("elapsed");
    const linus = lanternUser(
      userState(USERS.linus, OFFLINE, { last_seen_at: FIXTURE_NOW - 1000 }),
      {},
      SHAPING,
      FIXTURE_NOW,
    );
    expect(texts(card(linus).root)).toContain("Last seen just now");
    expect(texts(card(linus, { hideLastSeen: "true" }).root).join()).not.toContain("Last seen");
  });

  it("noActivityTitle and noActivityMessage replace the defaults, the message wrapping", () => {
    const message = "A long message that needs more than one line of this card to be read in full by anyone.";
    const lines = texts(
      card(lanternOnline([]), { noActivityTitle: "Away", noActivityMessage: message }).root,
    ).slice(-3);
    expect(lines[0]).toBe("Away");
    expect(lines.slice(1).join(" ")).toBe(message);
  });
});

describe("the query schema", () => {
  const error = (query: Record<string, string>) => {
    const result = CardQuery.safeParse(query);
    return result.success
      ? null
      : `${result.error.issues[0]!.path.join(".")}: ${result.error.issues[0]!.message}`;
  };

  it.each([
    [{ theme: "blue" }, 'theme: must be "dark" or "light"'],
    [{ hideStatus: "yes" }, "hideStatus: must be 0, 1, true or false"],
    [{ svg: "2" }, "svg: must be 0, 1, true or false"],
    [{ borderRadius: "-1" }, "borderRadius: must be a number of rem"],
    [{ borderRadius: "1e3" }, "borderRadius: must be a number of rem"],
    [{ borderRadius: "9rem" }, "borderRadius: must be at most 128px (8rem)"],
    [{ bg: "red" }, "bg: must be a hex colour"],
    [{ bg: "12345" }, "bg: must be a hex colour"],
    [{ bg: "1;fill:url(x)" }, "bg: must be a hex colour"],
    [{ noActivityTitle: "t".repeat(65) }, "noActivityTitle: must be at most 64 characters"],
    [{ noActivityMessage: "m".repeat(257) }, "noActivityMessage: must be at most 256 characters"],
  ])("%j is refused: %s", (query, message) => {
    expect(error(query)).toContain(message);
  });

  it("accepts every parameter at its limits, counting characters rather than UTF-16 units", () => {
    for (const name of [
      "hideGlobalName",
      "hideStatus",
      "hideBadges",
      "hideActivity",
      "hideLastSeen",
      "hideServerTag",
      "hideSpotify",
      "hideTimestamp",
    ])
      for (const value of ["0", "1", "true", "false"]) expect(error({ [name]: value })).toBeNull();
    expect(error({ noActivityTitle: "🌙".repeat(64), noActivityMessage: "🌙".repeat(256) })).toBeNull();
    expect(CardQuery.parse({ bg: "#ABC", borderRadius: "8rem" })).toEqual({
      bg: "#aabbcc",
      borderRadius: 128,
    });
  });
});

describe("the error card", () => {
  it("is a well-formed card of the requested size with the reason in it, escaped", () => {
    const svg = renderErrorCard("Bad card parameter", 'theme: must be "dark" or "light" <x>', {
      ...cardOptions({}),
      height: 128,
    });
    const root = parseXml(svg);
    expect(root.attributes.height).toBe("128");
    expect(texts(root)).toEqual(["Bad card parameter", 'theme: must be "dark" or "light" <x>']);
    expectSelfContained(root);
  });
});
