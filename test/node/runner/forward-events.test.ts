import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createSeededWorld, SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import type { World } from "../../../emulator/world.ts";
import {
  type ForwardedEvent,
  ForwardedEvent as ForwardedEventSchema,
} from "../../../schemas/gateway-events.ts";
import type { GatewaySession } from "../../../schemas/gateway-sessions.ts";
import { type Harness, startHarness } from "./helpers/harness.ts";
import { scrape } from "./helpers/metrics.ts";
import { waitFor } from "./helpers/wait.ts";

// FORWARD_EVENTS end to end, in process: the emulator, the runner, and the receiver standing in for
// the Worker's POST /ingest/events (its queue); the stdout sink writes into a stream the test reads.

const ada = SEED_MEMBERS[0]!;
const harnesses: Harness[] = [];

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** Lines the stdout sink wrote, parsed with the schema consumers would use. */
function stdoutLines() {
  const stream = new PassThrough();
  const lines: ForwardedEvent[] = [];
  let partial = "";
  stream.setEncoding("utf8").on("data", (text: string) => {
    partial += text;
    const complete = partial.split("\n");
    partial = complete.pop()!;
    for (const line of complete) lines.push(ForwardedEventSchema.parse(JSON.parse(line)));
  });
  return { stream, lines };
}

function seededChannel(world: World): string {
  for (const [id, stored] of world.channels) {
    if ("guild_id" in stored.channel && stored.channel.guild_id === SEED.guildId) return id;
  }
  throw new Error("the seeded guild has no channel");
}

async function start(env: Record<string, string>, dir?: string) {
  const out = stdoutLines();
  const h = await startHarness({
    env: {
      FORWARD_EVENTS: "MESSAGE_CREATE,MESSAGE_REACTION_ADD",
      EVENT_SINKS: "stdout,queue",
      INTENTS: "MessageContent",
      ...(dir ? { SESSION_STORE: join(dir, "sessions.json") } : {}),
      ...env,
    },
    emulator: { world: createSeededWorld() },
    runner: { stdout: out.stream },
  });
  harnesses.push(h);
  await h.runner.connected;
  return { h, out };
}

function say(h: Harness, content: string) {
  return h.emulator.world.createMessage(
    seededChannel(h.emulator.world),
    h.emulator.world.users.get(ada.id)!,
    content,
  );
}

async function checkpointOf(h: Harness): Promise<GatewaySession | undefined> {
  const text = await readFile(join(h.dir, "sessions.json"), "utf8").catch(() => "[]");
  const parsed = JSON.parse(text) as GatewaySession[] | { sessions: GatewaySession[] };
  return (Array.isArray(parsed) ? parsed : parsed.sessions)[0];
}

describe("FORWARD_EVENTS", () => {
  it("sends each chosen dispatch to every sink with its shard, sequence and a stable id", async () => {
    const { h, out } = await start({});
    const sent = [say(h, "one"), say(h, "two"), say(h, "three")];
    await waitFor(
      "three messages on stdout and the queue",
      () => out.lines.length === 3 && h.receiver.events.length === 3,
    );
    const [session] = h.emulator.gateway.shards();
    for (const events of [out.lines, h.receiver.events]) {
      expect(events.map((e) => (e.data as { content: string }).content)).toEqual(["one", "two", "three"]);
      expect(events.map((e) => (e.data as { id: string }).id)).toEqual(sent.map((m) => m.id));
      for (const event of events) {
        expect(event).toMatchObject({ type: "MESSAGE_CREATE", shard: 0 });
        expect(event.id).toBe(`0:${session!.session_id}:${event.seq}`);
      }
      expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    }
    // The presence path runs beside it, and nothing unchosen is forwarded.
    await waitFor(
      "ada's presence through /ingest",
      () => h.receiver.users.get(ada.id)?.presence !== undefined,
    );
    expect(out.lines.some((e) => e.type === "PRESENCE_UPDATE" || e.type === "GUILD_CREATE")).toBe(false);
    const metrics = await scrape(h.runner.opsPort);
    expect(metrics.get('porchlight_runner_events_forwarded_total{type="MESSAGE_CREATE",sink="stdout"}')).toBe(
      3,
    );
    expect(metrics.get('porchlight_runner_events_forwarded_total{type="MESSAGE_CREATE",sink="queue"}')).toBe(
      3,
    );
    expect(metrics.get('porchlight_runner_event_sink_pending{sink="queue"}')).toBe(0);
  });

  it("keeps events the queue does not take, with the checkpoint held behind them, and retries", async () => {
    const { h, out } = await start({});
    say(h, "before");
    await waitFor("the first message queued", () => h.receiver.events.length === 1);
    h.receiver.eventsStatus = 503;
    const held = say(h, "while the queue fails");
    await waitFor("the second message on stdout", () => out.lines.length === 2);
    const seq = out.lines[1]!.seq;
    await waitFor("a checkpoint", async () => (await checkpointOf(h)) !== undefined);
    // Saves keep coming (presences move the sequence on), and none passes the held event.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await checkpointOf(h))!.sequence).toBeLessThan(seq);
    const during = await scrape(h.runner.opsPort);
    expect(during.get('porchlight_runner_event_sink_pending{sink="queue"}')).toBe(1);
    expect(during.get('porchlight_runner_event_sink_lag_seconds{sink="queue"}')).toBeGreaterThan(0);
    expect(during.get('porchlight_runner_event_batches_failed_total{reason="server_error"}')).toBeGreaterThan(
      0,
    );
    const health = (await (await fetch(`http://127.0.0.1:${h.runner.opsPort}/health`)).json()) as {
      event_sinks: Record<string, { pending: number }>;
    };
    expect(health.event_sinks).toMatchObject({ stdout: { pending: 0 }, queue: { pending: 1 } });

    h.receiver.eventsStatus = null;
    await waitFor("the held message queued", () => h.receiver.events.length === 2);
    expect((h.receiver.events[1]!.data as { id: string }).id).toBe(held.id);
    await waitFor("the checkpoint past it", async () => ((await checkpointOf(h))?.sequence ?? 0) >= seq);
    const after = await scrape(h.runner.opsPort);
    expect(after.get('porchlight_runner_event_redeliveries_total{sink="queue"}')).toBeGreaterThan(0);
  });

  it("replays, after a restart, what no sink confirmed, under the same ids", async () => {
    const first = await start({ SHUTDOWN_TIMEOUT_MS: "200" });
    first.h.receiver.eventsStatus = 503;
    const lost = say(first.h, "undelivered when the runner stopped");
    await waitFor("the message on stdout", () => first.out.lines.length === 1);
    const id = first.out.lines[0]!.id;
    // Stopped with the queue still refusing: the event is not delivered, so not checkpointed past.
    await first.h.runner.shutdown();
    expect((await checkpointOf(first.h))!.sequence).toBeLessThan(first.out.lines[0]!.seq);

    const { startRunner } = await import("../../../gateway-runner/runner.ts");
    const { createLogger } = await import("../../../gateway-runner/log.ts");
    const out = stdoutLines();
    first.h.receiver.eventsStatus = null;
    const second = await startRunner(first.h.config, { log: createLogger("error"), stdout: out.stream });
    try {
      await second.connected;
      await waitFor("the replayed message queued", () => first.h.receiver.events.length >= 1);
      expect(first.h.emulator.gateway.counters()).toMatchObject({ identifies: 1, resumed: 1 });
      // Both sinks see the replay: stdout again (a duplicate the id lets a consumer drop), the queue for the first time.
      await waitFor("the replay on stdout", () => out.lines.length >= 1);
      expect(out.lines[0]!.id).toBe(id);
      expect(first.h.receiver.events.map((e) => e.id)).toEqual([id]);
      expect((first.h.receiver.events[0]!.data as { id: string }).id).toBe(lost.id);
    } finally {
      await second.shutdown();
    }
  });

  it("forwards events alone, with no guilds watched and no Worker, sessions in a file", async () => {
    const { h, out } = await start({
      MONITORED_GUILD_IDS: "",
      INGEST_URL: "",
      INGEST_SECRET: "",
      EVENT_SINKS: "stdout",
      FORWARD_EVENTS: "MESSAGE_CREATE,GUILD_CREATE",
    });
    say(h, "standalone");
    await waitFor("the message on stdout", () => out.lines.some((e) => e.type === "MESSAGE_CREATE"));
    expect(out.lines.filter((e) => e.type === "GUILD_CREATE")).toHaveLength(1);
    // No presence path: no presence intents asked for, nothing sent to the Worker.
    expect(h.emulator.gateway.shards()[0]!.intents & (1 << 8)).toBe(0);
    expect(h.receiver.requests).toHaveLength(0);
  });

  it("identifies with the bot's presence from PRESENCE_*", async () => {
    const { h } = await start({
      PRESENCE_STATUS: "idle",
      PRESENCE_ACTIVITY: "the porch light",
      PRESENCE_ACTIVITY_TYPE: "watching",
    });
    expect(h.emulator.gateway.shards()[0]!.presence).toEqual({
      since: null,
      afk: false,
      status: "idle",
      activities: [{ name: "the porch light", type: 3 }],
    });
  });
});
