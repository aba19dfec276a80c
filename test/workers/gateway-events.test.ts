import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  EVENT_BATCH_LIMITS,
  type EventBatchResult,
  type ForwardedEvent,
  QUEUE_LIMITS,
} from "../../schemas/gateway-events.ts";
import { ingestHeaders } from "../../schemas/ingest-signature.ts";
import { createApp } from "../../workers/app.ts";
import { BASE, SECRET } from "./helpers.ts";

/**
 * POST /ingest/events: signed batches of forwarded gateway events, put on the GATEWAY_EVENTS queue.
 * What reaches the queue is read from its consumer, an auxiliary Worker (test/fixtures/
 * queue-recorder.js, vitest.config.ts) that records each message it is handed; how a batch is split
 * into sendBatch calls, and a queue that fails, are seen through a queue of the test's own in an app
 * called directly.
 */

const PATH = "/ingest/events";
const recorder = (env as unknown as { QUEUE_RECORDER: Fetcher }).QUEUE_RECORDER;

let events = 0;
let batches = 0;
/** A fresh event: every test's ids differ from every other's. */
function event(extra: Partial<ForwardedEvent> = {}): ForwardedEvent {
  const seq = ++events;
  return {
    id: `0:test-session:${seq}`,
    shard: 0,
    seq,
    type: "MESSAGE_CREATE",
    received_at: 1_800_000_000_000 + seq,
    data: { content: `message ${seq}` },
    ...extra,
  };
}

/** An event whose JSON text is exactly `bytes` bytes (ASCII, so as many characters). */
function eventOfBytes(bytes: number): ForwardedEvent {
  const empty = event({ data: "" });
  const padding = bytes - JSON.stringify(empty).length;
  if (padding < 0) throw new Error(`an event cannot be as small as ${bytes} bytes`);
  return { ...empty, data: "x".repeat(padding) };
}

const batchBody = (list: ForwardedEvent[]) =>
  JSON.stringify({ batch_id: `events-${++batches}`, events: list });

function signed(body: string, options: { secret?: string; signedPath?: string; now?: number } = {}) {
  return ingestHeaders(
    options.secret ?? SECRET,
    { method: "POST", path: options.signedPath ?? PATH },
    body,
    options.now,
  );
}

/** POSTs `body` to the test Worker, signed. */
async function post(body: string, options: Parameters<typeof signed>[1] = {}) {
  return exports.default.fetch(`${BASE}${PATH}`, {
    method: "POST",
    headers: await signed(body, options),
    body,
  });
}

/** POSTs `body`, signed, to an app whose env differs from the test Worker's. */
async function postWith(overrides: Partial<Env>, body: string) {
  const request = new Request(`${BASE}${PATH}`, { method: "POST", headers: await signed(body), body });
  return createApp().fetch(request, { ...env, ...overrides }, createExecutionContext());
}

type Env = typeof env;

/** A queue that records each sendBatch call, or fails the calls `failOn` names (1 is the first). */
function fakeQueue(failOn: number[] = []) {
  const calls: MessageSendRequest<ForwardedEvent>[][] = [];
  const queue = {
    async sendBatch(messages: Iterable<MessageSendRequest<ForwardedEvent>>) {
      calls.push([...messages]);
      if (failOn.includes(calls.length)) throw new Error("Queue sendBatch failed: internal error");
      return {};
    },
  } as unknown as Queue<ForwardedEvent>;
  return { queue, calls };
}

interface Received {
  body: ForwardedEvent;
  attempts: number;
  queue: string;
}

async function received(): Promise<Received[]> {
  return (await (await recorder.fetch("https://recorder/")).json()) as Received[];
}

/** The consumer's messages for these events, once all have arrived, in the order they arrived. */
async function arrived(list: ForwardedEvent[], timeoutMs = 20_000): Promise<Received[]> {
  const ids = new Set(list.map((e) => e.id));
  const until = Date.now() + timeoutMs;
  for (;;) {
    const mine = (await received()).filter((message) => ids.has(message.body.id));
    if (mine.length >= ids.size) return mine;
    if (Date.now() > until) throw new Error(`${mine.length} of ${ids.size} events reached the consumer`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits long enough for anything sent to have been delivered, then says whether any of these was. */
async function noneArrived(list: ForwardedEvent[]): Promise<boolean> {
  const marker = event();
  const res = await post(batchBody([marker]));
  expect(res.status).toBe(200);
  // The queue delivers in order: once a later event is in, an earlier one would be too.
  await arrived([marker]);
  const ids = new Set(list.map((e) => e.id));
  return !(await received()).some((message) => ids.has(message.body.id));
}

afterEach(() => vi.restoreAllMocks());

describe("POST /ingest/events", () => {
  it("puts every event on the queue, as sent, and answers once they are all there", async () => {
    const list = [event(), event({ type: "GUILD_MEMBER_ADD", data: { user: { id: "1" } } }), event()];
    const body = batchBody(list);
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      batch_id: JSON.parse(body).batch_id,
      queued: 3,
    } satisfies EventBatchResult);
    const messages = await arrived(list);
    expect(messages.map((message) => message.body)).toEqual(list);
    expect(messages.every((message) => message.queue === "porchlight-gateway-events")).toBe(true);
  });

  it("sends JSON messages (a consumer reads plain objects), in order, within sendBatch's limits", async () => {
    const { queue, calls } = fakeQueue();
    const list = Array.from({ length: QUEUE_LIMITS.batchMessages + 1 }, () => event());
    const res = await postWith({ GATEWAY_EVENTS: queue }, batchBody(list));
    expect(res.status).toBe(200);
    expect(calls.map((call) => call.length)).toEqual([QUEUE_LIMITS.batchMessages, 1]);
    expect(calls.flat()).toEqual(list.map((body) => ({ body, contentType: "json" })));
  });

  it.each([
    [QUEUE_LIMITS.batchMessages, [QUEUE_LIMITS.batchMessages]],
    [QUEUE_LIMITS.batchMessages + 1, [QUEUE_LIMITS.batchMessages, 1]],
  ])("sends %i small events in sendBatch calls of %j", async (count, sizes) => {
    const { queue, calls } = fakeQueue();
    const res = await postWith(
      { GATEWAY_EVENTS: queue },
      batchBody(Array.from({ length: count }, () => event())),
    );
    expect(res.status).toBe(200);
    expect(calls.map((call) => call.length)).toEqual(sizes);
  });

  it.each([
    ["exactly fill", [2], 0],
    ["are one byte over", [1, 1], 1],
  ])("puts two events that %s a sendBatch's bytes in sendBatch calls of %j", async (_what, sizes, over) => {
    const { queue, calls } = fakeQueue();
    // Each message costs its JSON plus the overhead estimate; two of them make batchBytes (+ over).
    const half = QUEUE_LIMITS.batchBytes / 2 - QUEUE_LIMITS.messageOverheadBytes;
    expect(half).toBeLessThanOrEqual(QUEUE_LIMITS.maxMessageBytes);
    const res = await postWith(
      { GATEWAY_EVENTS: queue },
      batchBody([eventOfBytes(half), eventOfBytes(half + over)]),
    );
    expect(res.status).toBe(200);
    expect(calls.map((call) => call.length)).toEqual(sizes);
  });

  it("takes exactly EVENT_BATCH_LIMITS.maxEvents events, and every one reaches the queue", async () => {
    const list = Array.from({ length: EVENT_BATCH_LIMITS.maxEvents }, () => event());
    const res = await post(batchBody(list));
    expect(res.status).toBe(200);
    expect(((await res.json()) as EventBatchResult).queued).toBe(EVENT_BATCH_LIMITS.maxEvents);
    expect((await arrived(list)).map((message) => message.body.id)).toEqual(list.map((e) => e.id));
  });

  it("refuses one event more than EVENT_BATCH_LIMITS.maxEvents with a 400 naming the events", async () => {
    const list = Array.from({ length: EVENT_BATCH_LIMITS.maxEvents + 1 }, () => event());
    const res = await post(batchBody(list));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^events:/);
    expect(await noneArrived(list)).toBe(true);
  });

  it("takes a body of exactly EVENT_BATCH_LIMITS.maxBodyBytes and refuses one byte more (413)", async () => {
    // Events of 100,000 bytes, under a message's limit, and blanks after the JSON to the exact size.
    const list = Array.from({ length: 40 }, () => eventOfBytes(100_000));
    const json = batchBody(list);
    const exact = json.padEnd(EVENT_BATCH_LIMITS.maxBodyBytes, " ");
    expect(new TextEncoder().encode(exact).byteLength).toBe(EVENT_BATCH_LIMITS.maxBodyBytes);
    const at = await post(exact);
    expect(at.status).toBe(200);
    expect(((await at.json()) as EventBatchResult).queued).toBe(list.length);
    expect(await arrived(list)).toHaveLength(list.length);

    const again = Array.from({ length: 40 }, () => eventOfBytes(100_000));
    const over = await post(batchBody(again).padEnd(EVENT_BATCH_LIMITS.maxBodyBytes + 1, " "));
    expect(over.status).toBe(413);
    expect(((await over.json()) as { error: string }).error).toMatch(/exceeds/);
    expect(await noneArrived(again)).toBe(true);
  });

  it("takes an event of exactly QUEUE_LIMITS.maxMessageBytes as JSON", async () => {
    const { queue, calls } = fakeQueue();
    const largest = eventOfBytes(QUEUE_LIMITS.maxMessageBytes);
    const res = await postWith({ GATEWAY_EVENTS: queue }, batchBody([largest]));
    expect(res.status).toBe(200);
    expect(calls).toEqual([[{ body: largest, contentType: "json" }]]);
  });

  it("takes the largest event it accepts onto the local queue too (QUEUE_LIMITS fits Miniflare's 128,000 bytes)", async () => {
    // Were the limit larger than a real message may be, such an event would be refused by every
    // sendBatch: a 503 the runner retries for ever, stalling its checkpoint, rather than a 413.
    const largest = eventOfBytes(QUEUE_LIMITS.maxMessageBytes);
    const res = await post(batchBody([largest]));
    expect(res.status).toBe(200);
    expect((await arrived([largest]))[0]!.body).toEqual(largest);
  });

  it("refuses a batch holding an event one byte over a queue message (413 naming it), queueing none", async () => {
    const fine = event();
    const large = eventOfBytes(QUEUE_LIMITS.maxMessageBytes + 1);
    const res = await post(batchBody([fine, large, event()]));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: expect.stringContaining(large.id),
      event_id: large.id,
      bytes: QUEUE_LIMITS.maxMessageBytes + 1,
      max_bytes: QUEUE_LIMITS.maxMessageBytes,
    });
    expect(await noneArrived([fine, large])).toBe(true);
  });

  it("measures an event in UTF-8 bytes, as the queue does, not in characters", async () => {
    // "é" is one character and two bytes: this event is maxMessageBytes characters long.
    const empty = event({ data: "" });
    const characters = QUEUE_LIMITS.maxMessageBytes - JSON.stringify(empty).length;
    const accented = { ...empty, data: `é${"x".repeat(characters - 1)}` };
    expect(JSON.stringify(accented).length).toBe(QUEUE_LIMITS.maxMessageBytes);
    const res = await post(batchBody([accented]));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { bytes: number }).bytes).toBe(QUEUE_LIMITS.maxMessageBytes + 1);
  });

  it.each([
    ["a body that is not JSON", "{not json", /^body is not JSON/],
    ["an empty body", "", /^body:/],
    ["no batch_id", JSON.stringify({ events: [{}] }), /^batch_id:/],
    ["no events", JSON.stringify({ batch_id: "b", events: [] }), /^events:/],
    ["an event without an id", () => batchBody([{ ...event(), id: "" }]), /^events\.0\.id:/],
    [
      "a type that is no dispatch name",
      () => batchBody([event(), event({ type: "hello" })]),
      /^events\.1\.type:/,
    ],
    ["a seq of 0", () => batchBody([event({ seq: 0 })]), /^events\.0\.seq:/],
  ])("refuses %s with a 400 naming the first failing field", async (_what, body, message) => {
    const res = await post(typeof body === "function" ? body() : body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it("refuses an unsigned request, a wrong secret, a stale signature and one made for another route (401)", async () => {
    const list = [event()];
    const body = batchBody(list);
    const unsigned = await exports.default.fetch(`${BASE}${PATH}`, { method: "POST", body });
    const refused = [
      unsigned,
      await post(body, { secret: "another-secret-0123456789abcdef0123456" }),
      await post(body, { now: Date.now() - 10 * 60_000 }),
      await post(body, { signedPath: "/ingest" }),
    ];
    expect(refused.map((res) => res.status)).toEqual([401, 401, 401, 401]);
    expect(await noneArrived(list)).toBe(true);
  });

  it("answers 503 without INGEST_SECRET, as every ingest route does", async () => {
    const res = await postWith({ INGEST_SECRET: undefined }, batchBody([event()]));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/INGEST_SECRET/);
  });

  it("answers 503 naming the binding to add when there is no GATEWAY_EVENTS queue (the runner retries)", async () => {
    const res = await postWith({ GATEWAY_EVENTS: undefined }, batchBody([event()]));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: "the event queue is not configured: add a GATEWAY_EVENTS queue producer (wrangler.toml)",
    });
  });

  it("answers 503 when a sendBatch fails, even after others succeeded, logging the batch but no secret", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const { queue, calls } = fakeQueue([2]);
    const body = batchBody(Array.from({ length: QUEUE_LIMITS.batchMessages * 3 }, () => event()));
    const res = await postWith({ GATEWAY_EVENTS: queue }, body);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/retry/);
    // It stops at the failure: the runner sends the whole batch again.
    expect(calls).toHaveLength(2);
    const logged = errors.mock.calls.map((args) => args.map(String).join(" ")).join("\n");
    expect(logged).toContain(JSON.parse(body).batch_id);
    expect(logged).not.toContain(SECRET);
  });
});
