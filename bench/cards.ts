import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { listeningOnSpotify } from "../emulator/activities.ts";
import { SEED_MEMBERS } from "../emulator/seed.ts";
import { LET_GO } from "../emulator/simulator-activities.ts";
import type { UserDeltaInput } from "../schemas/ingest.ts";
import type { LanternUser } from "../schemas/lantern.ts";
import { cardImageUrls } from "../workers/cards/images.ts";
import { imageDataUri } from "../workers/cards/mime.ts";
import { cardOptions } from "../workers/cards/options.ts";
import { renderCard } from "../workers/cards/render.ts";
import { type CardStack, nextVersion, startCardStack } from "./lib/card-stack.ts";
import { envNumber, fmt, machine, median, percentile, writeSection } from "./lib/report.ts";

/**
 * Profile cards (GET /api/v1/users/:id?svg=1) for users listening to Spotify, on the local stack
 * of bench/lib/card-stack.ts: the Worker under wrangler dev, images from the emulator's CDN through
 * a pass-through that counts them.
 *
 * 1. Render: the pure renderer alone, in this process, on a real payload and real inlined images.
 * 2. Views: end-to-end latency and bytes of a cold view (nothing cached: every image fetched), a
 *    view after a presence change (images cached, card redrawn) and a repeat view (the card from
 *    the edge cache), against a cached JSON read of the same user.
 * 3. Image fetches per 100 views of one listener who changes track every 25 views.
 *
 * Settings can be overridden from the environment (BENCH_CARDS_*), for quick trial runs.
 */

const USERS = envNumber("BENCH_CARDS_USERS", 50);
const REPEATS = envNumber("BENCH_CARDS_REPEATS", 300);
const RENDERS = envNumber("BENCH_CARDS_RENDERS", 2_000);
const VIEWS = 100;
const TRACK_EVERY = 25;

const log = (line: string) => console.error(`[bench:cards] ${line}`);
const ms = (n: number) => `${fmt(n, 2)} ms`;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

interface Timed {
  ms: number;
  bytes: number;
  cache: string | null;
}

async function timedGet(url: string): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return { ms: elapsed, bytes: body.byteLength, cache: res.headers.get("x-porchlight-cache") };
}

/** A listener with their own avatar and album art, so their first card fetches both. */
function listener(id: string, albumArtId: string, now: number): UserDeltaInput {
  return {
    user_id: id,
    version: nextVersion(),
    user: { id, username: `listener${id.slice(-4)}`, global_name: "Listener", avatar: hex(16) },
    membership: { joined_at: "2024-01-02T00:00:00.000Z" },
    presence: {
      status: "online",
      client_status: { desktop: "online" },
      activities: [
        listeningOnSpotify(
          { ...LET_GO, albumArtId },
          { userId: id, startedAt: now - 60_000, createdAt: now - 60_000, sessionId: hex(16) },
        ) as unknown as Record<string, unknown>,
      ],
    },
  };
}

const albumArt = () => `ab67616d0000b273${hex(12)}`;

/** 1. The renderer alone: Ada's payload as the Worker serves it, images as the Worker inlines them. */
async function renderOnly(stack: CardStack) {
  const ada = SEED_MEMBERS[0]!;
  const user = (await (await fetch(`${stack.worker.url}/api/v1/users/${ada.id}`)).json()) as LanternUser;
  const options = cardOptions({});
  const shaping = { cdnBase: stack.cdn.url, spotifyCdnBase: stack.cdn.url, mediaProxyBase: stack.cdn.url };
  const urls = cardImageUrls(user, options, shaping);
  const inline = async (url: string | null) =>
    url ? imageDataUri(new Uint8Array(await (await fetch(url)).arrayBuffer())) : null;
  const images = {
    avatar: await inline(urls.avatar),
    activityLarge: await inline(urls.activityLarge),
    activitySmall: null,
    emoji: null,
    serverTag: null,
  };
  const now = Date.now();
  for (let i = 0; i < 200; i++) renderCard(user, options, images, now + i);
  const times: number[] = [];
  let svg = "";
  for (let i = 0; i < RENDERS; i++) {
    const started = performance.now();
    svg = renderCard(user, options, images, now + i * 1000);
    times.push(performance.now() - started);
  }
  return { times, svg };
}

async function main() {
  const started = Date.now();
  log("starting the stack");
  const stack = await startCardStack();
  try {
    await stack.ingestSeededMembers();
    const render = await renderOnly(stack);
    log(`render: median ${ms(median(render.times))}`);

    // 2. Views.
    const now = Date.now();
    const ids = Array.from({ length: USERS }, (_, i) => String(1_400_000_000_000_000_000n + BigInt(i)));
    const arts = new Map(ids.map((id) => [id, albumArt()]));
    await stack.ingest(ids.map((id) => listener(id, arts.get(id)!, now)));
    for (const id of ids.slice(0, 3)) await timedGet(`${stack.worker.url}/api/v1/users/${id}`); // warm-up
    stack.cdn.reset();
    const cold: Timed[] = [];
    for (const id of ids) cold.push(await timedGet(stack.cardUrl(id)));
    const coldFetches = stack.cdn.requests.length;
    // A presence change (the same track replayed): same avatar and art, a new version, so the card
    // is redrawn from cached images.
    await stack.ingest(
      ids.map((id) => {
        const { user: _profile, ...replay } = listener(id, arts.get(id)!, Date.now());
        return replay;
      }),
    );
    stack.cdn.reset();
    const redrawn: Timed[] = [];
    for (const id of ids) redrawn.push(await timedGet(stack.cardUrl(id)));
    const redrawFetches = stack.cdn.requests.length;
    const repeat: Timed[] = [];
    const json: Timed[] = [];
    const one = ids[0]!;
    await timedGet(stack.cardUrl(one));
    await timedGet(`${stack.worker.url}/api/v1/users/${one}`);
    for (let i = 0; i < REPEATS; i++) {
      repeat.push(await timedGet(stack.cardUrl(one)));
      json.push(await timedGet(`${stack.worker.url}/api/v1/users/${one}`));
    }
    const repeatHits = repeat.filter((view) => view.cache === "hit").length;

    // 3. Image fetches per 100 views: one listener, a new track (new album art) every 25 views.
    const fan = "1400000000000009999";
    stack.cdn.reset();
    let viewsCached = 0;
    for (let view = 0; view < VIEWS; view++) {
      if (view % TRACK_EVERY === 0) {
        const delta = listener(fan, albumArt(), Date.now());
        // The same profile (and avatar) throughout: only the first delta carries it.
        const { user: profile, ...change } = delta;
        await stack.ingest([view === 0 ? { ...change, user: profile } : change]);
      }
      if ((await timedGet(stack.cardUrl(fan))).cache === "hit") viewsCached++;
    }
    const fanFetches = stack.cdn.requests.length;

    const p50 = (list: Timed[]) => median(list.map((t) => t.ms));
    const p99 = (list: Timed[]) =>
      percentile(
        list.map((t) => t.ms),
        99,
      );
    const bytes = cold[0]!.bytes;
    const gzipBytes = gzipSync(render.svg).length;
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const body = `
## Cards: SVG profile cards (\`npm run bench:cards\`)

Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, in one run of ${seconds} s on one stack: the Worker under \`wrangler dev\` (workerd, fresh \`--persist-to\`, \`CACHE_TTL_SECONDS\` at its default 5 s), the emulator in the benchmark's process drawing every image, and a counting pass-through in front of its CDN (bench/lib/card-stack.ts). Every user listens to Spotify: the card inlines a 128 px PNG avatar and the album art. The emulator's images are small flat identicons (its album art is a 64 px JPEG), so the byte counts here are the card's own weight plus little: Discord's real 128 px avatars and Spotify's 300 px art are typically tens of kilobytes each, carried base64-encoded (4/3 of their size). All traffic is on loopback; requests go one at a time.

### 1. Rendering alone

| what | median | p99 | card size | gzipped |
| --- | ---: | ---: | ---: | ---: |
| \`renderCard\` (pure function, in Node), Spotify card with 2 inlined images | ${ms(median(render.times))} | ${ms(percentile(render.times, 99))} | ${fmt(render.svg.length)} B | ${fmt(gzipBytes)} B |

Method: ${fmt(RENDERS)} renders of Ada's card (the seeded Spotify listener), from her payload as the Worker serves it and her images as the Worker inlines them, each at a later \`now\` so the progress bar moves; after 200 warm-up renders.

### 2. Views, end to end

| view | p50 | p99 | vs cached JSON read (p50) | image fetches per view | bytes |
| --- | ---: | ---: | ---: | ---: | ---: |
| cached JSON \`GET /api/v1/users/:id\` (baseline) | ${ms(p50(json))} | ${ms(p99(json))} | 1.00 | 0 | ${fmt(json[0]!.bytes)} |
| card, repeat view (edge cache) | ${ms(p50(repeat))} | ${ms(p99(repeat))} | ${fmt(p50(repeat) / p50(json), 2)} | 0 | ${fmt(repeat[0]!.bytes)} |
| card after a presence change (images cached, redrawn) | ${ms(p50(redrawn))} | ${ms(p99(redrawn))} | ${fmt(p50(redrawn) / p50(json), 2)} | ${fmt(redrawFetches / USERS, 2)} | ${fmt(redrawn[0]!.bytes)} |
| card, cold (nothing cached, images fetched) | ${ms(p50(cold))} | ${ms(p99(cold))} | ${fmt(p50(cold) / p50(json), 2)} | ${fmt(coldFetches / USERS, 2)} | ${fmt(bytes)} |

Method: ${USERS} listeners, each with an avatar and album art of their own, get one cold view each; then every one changes presence (same images, new version) and gets one view; then one of them is viewed ${REPEATS} times alternating with a JSON read of the same user (${repeatHits} of ${REPEATS} card views were edge-cache hits${repeatHits < REPEATS ? "; the others fell on an expiry of the 5 s TTL and were redrawn from cached images" : ""}). Latency is from Node's fetch on loopback to the last byte, through wrangler's proxy. A cold view adds the user's read from its object, two Cache API misses and two image fetches (made in parallel; storing them waits until after the response); a redraw still reads the user from its object (the change purged the cached read) and reads both images from the Cache API, which \`wrangler dev\` keeps on disk, and the render itself is the ${ms(median(render.times))} of section 1; a repeat view is one cache lookup of the user's read and one of the card.

### 3. Image fetches per 100 views

| scenario | image fetches | per 100 views | Lantern's card (refetches every image per view) |
| --- | ---: | ---: | ---: |
| one listener viewed ${VIEWS} times in a row, a new track every ${TRACK_EVERY} views | ${fanFetches} | ${fmt((fanFetches / VIEWS) * 100, 1)} | 200 |

Method: ${VIEWS} sequential views; every ${TRACK_EVERY} views the listener starts a new track with new album art (the avatar stays). ${viewsCached} views were served from the edge cache. The fetches are the avatar once and each track's art once: a presence change redraws the card (new version, new key) but finds the avatar in the image cache, so the ratio to Lantern's 2 fetches per view is ${fmt(fanFetches / (2 * VIEWS), 3)}.
`;
    await writeSection("cards", body);
    log(`done in ${seconds} s`);
  } finally {
    await stack.stop();
  }
}

await main();
