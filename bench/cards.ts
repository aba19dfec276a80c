import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { listeningOnSpotify } from "../emulator/activities.ts";
import { SEED_MEMBERS } from "../emulator/seed.ts";
import { LET_GO } from "../emulator/simulator-activities.ts";
import { CardImageSync } from "../gateway-runner/card-image-sync.ts";
import { createLogger } from "../gateway-runner/log.ts";
import { createMetrics } from "../gateway-runner/metrics.ts";
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
 * 4. Cold views with images from the CDN (before) against cold views with the images the gateway
 *    runner copied to R2 (after, its own CardImageSync), and warm views, in the same run.
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
  /** X-Porchlight-Card-Images on a drawn card: fetched=, stored=, cached=, failed=. */
  images: string | null;
}

async function timedGet(url: string): Promise<Timed> {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  const elapsed = performance.now() - started;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return {
    ms: elapsed,
    bytes: body.byteLength,
    cache: res.headers.get("x-porchlight-cache"),
    images: res.headers.get("x-porchlight-card-images"),
  };
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

/** How many images a drawn card took from R2 (its X-Porchlight-Card-Images `stored=`). */
const fromR2 = (view: Timed) => Number(/stored=(\d+)/.exec(view.images ?? "")?.[1] ?? 0);

/**
 * 4. Cold views before and after R2: one set of new listeners viewed with their images only on the
 * CDN, another whose images the runner's CardImageSync (the real one, against this Worker) copied
 * to R2 first; then a warm view (an edge-cache hit) of each.
 */
async function coldAgainstR2(stack: CardStack) {
  const shaping = { cdnBase: stack.cdn.url, spotifyCdnBase: stack.cdn.url, mediaProxyBase: stack.cdn.url };
  const sync = new CardImageSync({
    ingestUrl: `${stack.worker.url}/ingest`,
    secret: stack.secret,
    shaping,
    concurrency: 2,
    backoff: { baseMs: 250, capMs: 5_000 },
    timeoutMs: 10_000,
    metrics: createMetrics(),
    log: createLogger("warn"),
  });
  const listeners = (from: bigint) => {
    const now = Date.now();
    return Array.from({ length: USERS }, (_, i) => listener(String(from + BigInt(i)), albumArt(), now));
  };
  const views = async (deltas: UserDeltaInput[]) => {
    stack.cdn.reset();
    const cold: Timed[] = [];
    for (const delta of deltas) cold.push(await timedGet(stack.cardUrl(delta.user_id)));
    const cdnFetches = stack.cdn.requests.length;
    const warm: Timed[] = [];
    for (const delta of deltas) warm.push(await timedGet(stack.cardUrl(delta.user_id)));
    return { cold, warm, cdnFetches };
  };

  const before = listeners(1_500_000_000_000_000_000n);
  await stack.ingest(before);
  const cdn = await views(before);

  const after = listeners(1_600_000_000_000_000_000n);
  await stack.ingest(after);
  stack.cdn.reset();
  const copyStarted = performance.now();
  for (const delta of after)
    sync.observe({
      userId: delta.user_id,
      user: {
        discriminator: "0",
        bot: false,
        public_flags: 0,
        primary_guild: null,
        avatar_decoration_data: null,
        global_name: null,
        avatar: null,
        ...delta.user!,
      },
      membership: { joined_at: "2024-01-02T00:00:00.000Z" },
      presence: { client_status: {}, activities: [], ...delta.presence! },
    });
  await sync.idle();
  const copyMs = performance.now() - copyStarted;
  const copied = stack.cdn.requests.length;
  const r2 = await views(after);
  sync.stop();
  return { cdn, r2, copyMs, copied };
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

    // 4. Cold views before and after R2.
    const storage = await coldAgainstR2(stack);
    log(
      `cold: CDN ${ms(median(storage.cdn.cold.map((t) => t.ms)))}, R2 ${ms(median(storage.r2.cold.map((t) => t.ms)))}`,
    );

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
    const r2Row = (what: string, list: Timed[], cdnFetches: number) =>
      `| ${what} | ${ms(p50(list))} | ${ms(p99(list))} | ${fmt(cdnFetches / USERS, 2)} | ${fmt(list.reduce((n, view) => n + fromR2(view), 0) / USERS, 2)} |`;
    const section4 = `
### 4. Cold views: images from the CDN (before) and from R2 (after)

| view | p50 | p99 | CDN fetches per view | images from R2 per view |
| --- | ---: | ---: | ---: | ---: |
${r2Row("cold, images fetched from the CDN (before)", storage.cdn.cold, storage.cdn.cdnFetches)}
${r2Row("cold, images the runner copied to R2 (after)", storage.r2.cold, storage.r2.cdnFetches)}
${r2Row("warm (edge-cache hit), before", storage.cdn.warm, 0)}
${r2Row("warm (edge-cache hit), after", storage.r2.warm, 0)}

Method: two sets of ${USERS} new listeners, each with an avatar and album art of their own. The first set's cards are viewed cold with the images only on the CDN. The second set's images were first copied to R2 by the runner's own \`CardImageSync\` (gateway-runner/card-image-sync.ts, concurrency 2, signed \`PUT /ingest/images/:key\` to this Worker, ${storage.copied} CDN fetches in ${ms(storage.copyMs)}, off the view path), then their cards are viewed cold: the CDN column counts what the Worker fetched during the views. Each set is then viewed once more (warm: the card from the edge cache). R2 here is Miniflare's, on local disk, and the CDN is the emulator on loopback, so the two cold rows measure the Worker's own cost of each path; in production the CDN row adds a fetch from Cloudflare to Discord's CDN (which Discord's media proxy may refuse outright), the R2 row a read within Cloudflare.
`;
    await writeSection("cards", body + section4);
    log(`done in ${seconds} s`);
  } finally {
    await stack.stop();
  }
}

await main();
