import { describe, expect, it } from "vitest";
import { flagNames } from "../../durable-objects/payloads/flags.ts";
import { activityAssetUrl, defaultAvatarUrl } from "../../durable-objects/payloads/images.ts";
import { humanDuration, playbackTime } from "../../durable-objects/payloads/time.ts";
import { SHAPING } from "../fixtures/discord-presences.ts";

const APP = "383226320970055681";

describe("activityAssetUrl", () => {
  it.each([
    {
      asset: "565945077491433494",
      app: APP,
      url: `https://cdn.test/app-assets/${APP}/565945077491433494.png`,
    },
    { asset: "565945077491433494", app: null, url: null },
    {
      asset: "mp:external/abc_DEF-123/https/i.ytimg.com/vi/jfKfPfyJRdk/hqdefault.jpg",
      app: APP,
      url: "https://media.test/external/abc_DEF-123/https/i.ytimg.com/vi/jfKfPfyJRdk/hqdefault.jpg",
    },
    {
      asset: "mp:attachments/1/2/cover.png",
      app: APP,
      url: "https://media.test/attachments/1/2/cover.png",
    },
    { asset: "spotify:ab67616d0000b273", app: null, url: "https://scdn.test/image/ab67616d0000b273" },
    { asset: "twitch:lofigirl", app: APP, url: null },
    { asset: "youtube:jfKfPfyJRdk", app: APP, url: null },
    { asset: "mp:external/a b", app: APP, url: null },
    { asset: "mp:", app: APP, url: null },
    { asset: "spotify:../../x", app: null, url: null },
    { asset: "https://evil.test/x.png", app: APP, url: null },
    { asset: "", app: APP, url: null },
    { asset: null, app: APP, url: null },
  ])("$asset", ({ asset, app, url }) => {
    expect(activityAssetUrl(SHAPING, app, asset)).toBe(url);
  });
});

describe("defaultAvatarUrl", () => {
  it.each([
    // New usernames: (id >> 22) % 6, computed on the full 64-bit id.
    { id: "703986131413155871", discriminator: "0", index: 2 },
    { id: "1090210823371870208", discriminator: "0", index: 5 },
    { id: "1187409552719118426", discriminator: "0", index: 0 },
    // Legacy discriminators: discriminator % 5.
    { id: "1000000000000000001", discriminator: "7684", index: 4 },
    { id: "1000000000000000001", discriminator: "0001", index: 1 },
    // Malformed input falls back to the first colour instead of throwing.
    { id: "not-an-id", discriminator: "0", index: 0 },
    { id: "1000000000000000001", discriminator: "abcd", index: 0 },
  ])("$id #$discriminator → $index", ({ id, discriminator, index }) => {
    expect(defaultAvatarUrl(SHAPING, id, discriminator)).toBe(`https://cdn.test/embed/avatars/${index}.png`);
  });
});

describe("flagNames", () => {
  it.each([
    { bits: 0, names: [] },
    { bits: 1, names: ["Staff"] },
    { bits: 2 ** 44, names: ["Quarantined"] },
    { bits: 2 ** 40, names: [] },
    { bits: 2 ** 40 + 4, names: ["Hypesquad"] },
    { bits: -1, names: [] },
    { bits: 1.5, names: [] },
    { bits: Number.MAX_SAFE_INTEGER + 2, names: [] },
  ])("$bits", ({ bits, names }) => {
    expect(flagNames(bits)).toEqual(names);
  });
});

describe("humanDuration", () => {
  it.each([
    { ms: 0, text: "0:00" },
    { ms: 999, text: "0:00" },
    { ms: 59_999, text: "0:59" },
    { ms: 60_000, text: "1:00" },
    { ms: 248_056, text: "4:08" },
    { ms: 3_599_999, text: "59:59" },
    { ms: 3_600_000, text: "1:00:00" },
    { ms: 3_725_000, text: "1:02:05" },
    { ms: 36_061_000, text: "10:01:01" },
    { ms: -5_000, text: "0:00" },
  ])("$ms ms is $text", ({ ms, text }) => {
    expect(humanDuration(ms)).toBe(text);
  });
});

describe("playbackTime", () => {
  it.each([
    { start: 1_000, end: 249_056, now: 84_000, current: "1:23", length: "4:08" },
    { start: 1_000, end: 249_056, now: 0, current: "0:00", length: "4:08" },
    { start: 1_000, end: 249_056, now: 10_000_000, current: "4:08", length: "4:08" },
    { start: 1_000, end: null, now: 3_601_000, current: "1:00:00", length: null },
    { start: null, end: 249_056, now: 84_000, current: null, length: null },
    // An end before the start is no length at all.
    { start: 249_056, end: 1_000, now: 250_056, current: "0:01", length: null },
  ])("start $start, end $end, now $now", ({ start, end, now, current, length }) => {
    expect(playbackTime(start, end, now)).toEqual({
      current_human_readable: current,
      end_human_readable: length,
    });
  });
});
