import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CardImageSync } from "../../../gateway-runner/card-image-sync.ts";
import { createLogger } from "../../../gateway-runner/log.ts";
import { createMetrics } from "../../../gateway-runner/metrics.ts";
import { binaryString, cardImageKey } from "../../../schemas/card-images.ts";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyIngest } from "../../../schemas/ingest-signature.ts";
import { USERS } from "../../fixtures/discord-presences.ts";

/**
 * The runner's image copier over real HTTP: a stand-in CDN and a stand-in Worker route that checks
 * every signature with schemas/ingest-signature.ts, so retries, refusals and limits are real.
 */

const SECRET = "card-image-sync-test-secret-0123456789";
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 7, 7]);
const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    handler(req, res, Buffer.concat(chunks));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A Worker route that stores what is signed right, answering `statuses` first (then 204). */
async function standInWorker(statuses: number[] = []) {
  const stored = new Map<string, Buffer>();
  const refused: string[] = [];
  const url = await serve(async (req, res, body) => {
    const verdict = await verifyIngest(
      SECRET,
      {
        signature: req.headers[SIGNATURE_HEADER] as string,
        timestamp: req.headers[TIMESTAMP_HEADER] as string,
      },
      { method: req.method!, path: req.url! },
      binaryString(new Uint8Array(body)),
    );
    if (!verdict.ok) {
      refused.push(verdict.reason);
      return res.writeHead(401).end();
    }
    const status = statuses.shift() ?? 204;
    if (status === 204) stored.set(req.url!.replace("/ingest/images/", ""), body);
    res.writeHead(status).end();
  });
  return { ingestUrl: `${url}/ingest`, stored, refused };
}

function sync(ingestUrl: string, cdn: string) {
  const metrics = createMetrics();
  const images = new CardImageSync({
    ingestUrl,
    secret: SECRET,
    shaping: { cdnBase: cdn, spotifyCdnBase: cdn, mediaProxyBase: cdn },
    concurrency: 2,
    backoff: { baseMs: 10, capMs: 50 },
    timeoutMs: 5_000,
    metrics,
    log: createLogger("silent"),
  });
  const outcome = async (name: string) =>
    (await metrics.cardImages.get()).values.find((v) => v.labels.outcome === name)?.value ?? 0;
  return { images, outcome };
}

const member = (avatar: string) => ({
  userId: USERS.ada.id,
  user: { ...USERS.ada, avatar, primary_guild: null },
  membership: { joined_at: "2024-01-02T00:00:00.000Z" },
});

describe("CardImageSync", () => {
  it("copies a member's avatar to the Worker under the key of the card's URL, signed over its bytes", async () => {
    const cdn = await serve((_req, res) => res.writeHead(200, { "content-type": "image/png" }).end(PNG));
    const worker = await standInWorker();
    const { images, outcome } = sync(worker.ingestUrl, cdn);
    const avatar = "1".repeat(32);
    images.observe(member(avatar));
    await images.idle();
    const key = await cardImageKey(`${cdn}/avatars/${USERS.ada.id}/${avatar}.png?size=128`);
    expect([...worker.stored.keys()]).toEqual([key]);
    expect(worker.stored.get(key)).toEqual(PNG);
    expect(worker.refused).toEqual([]);
    expect(await outcome("stored")).toBe(1);
  });

  it("retries a failing CDN and a busy Worker with backoff, and gives up on a missing image at once", async () => {
    const calls = { avatar: 0, default: 0 };
    const cdn = await serve((req, res) => {
      if (req.url!.startsWith("/avatars/")) {
        if (++calls.avatar === 1) return res.writeHead(503).end();
        return res.writeHead(200).end(PNG);
      }
      calls.default++;
      res.writeHead(404).end("404: Not Found");
    });
    const worker = await standInWorker([503, 429]);
    const { images, outcome } = sync(worker.ingestUrl, cdn);
    images.observe(member("2".repeat(32)));
    images.observe({
      userId: "1",
      membership: { joined_at: "2024-01-02T00:00:00.000Z" },
      user: { ...USERS.linus, id: "1" },
    });
    await images.idle();
    expect(worker.stored.size).toBe(1);
    expect(await outcome("stored")).toBe(1);
    // linus has no avatar: his default one 404s here, which no retry changes.
    expect(await outcome("cdn_failed")).toBe(1);
    // The avatar: the CDN's 503, then once per upload (the Worker's 503, 429, then 204); the default once.
    expect(calls).toEqual({ avatar: 4, default: 1 });
  });

  it("never makes observe wait: a CDN that hangs leaves it synchronous, and at most two fetches run", async () => {
    let open = 0;
    let most = 0;
    const cdn = await serve((_req, res) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        res.writeHead(200).end(PNG);
      }, 400);
    });
    const worker = await standInWorker();
    const { images } = sync(worker.ingestUrl, cdn);
    const started = performance.now();
    for (let i = 0; i < 6; i++) images.observe({ ...member(String(i).repeat(32)), userId: `10${i}` });
    // Well under one fetch (400 ms): nothing in observe waited for the CDN.
    expect(performance.now() - started).toBeLessThan(200);
    await images.idle();
    expect(worker.stored.size).toBe(6);
    expect(most).toBe(2);
  });
});
