import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorkerStack, type WorkerStack } from "../../../bench/lib/stack.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import {
  type ForwardedEvent,
  ForwardedEvent as ForwardedEventSchema,
} from "../../../schemas/gateway-events.ts";
import { runnerEnvFor } from "../../../scripts/lib/local-stack.ts";
import { RunnerProcess } from "../runner/helpers/runner-process.ts";
import { waitFor } from "../runner/helpers/wait.ts";

/**
 * FORWARD_EVENTS end to end over real sockets: the emulator, the runner as a process, the Worker
 * under wrangler dev putting events on its Miniflare queue, and examples/queue-consumer reading the
 * queue and posting each batch to a server in this test. Users keep writing while the runner is
 * SIGKILLed and replaced: every message reaches both sinks, and what arrives twice (the replay of
 * what the dead runner had not confirmed) carries the same id, so consumers drop it.
 */

const ada = SEED_MEMBERS[0]!;
let stack: WorkerStack;
let tap: Server;
const queued: ForwardedEvent[] = [];
const runners: RunnerProcess[] = [];

beforeAll(async () => {
  tap = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const { events } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events: unknown[] };
      queued.push(...events.map((event) => ForwardedEventSchema.parse(event)));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => tap.listen(0, "127.0.0.1", resolve));
  const forwardTo = `http://127.0.0.1:${(tap.address() as AddressInfo).port}/events`;
  stack = await startWorkerStack({
    emulator: { heartbeatIntervalMs: 2_000, identifyIntervalMs: 100 },
    queueConsumer: { forwardTo },
  });
}, 120_000);

afterAll(async () => {
  for (const runner of runners) runner.kill("SIGKILL");
  await Promise.all(runners.map((runner) => runner.exited));
  await stack?.stop();
  await new Promise((resolve) => tap?.close(resolve));
});

function startRunner(): RunnerProcess {
  const discord = { http: stack.emulator.urls.http, token: stack.emulator.world.application.botToken };
  const runner = new RunnerProcess({
    ...runnerEnvFor(discord, stack.worker.url, stack.secret, [stack.guildId]),
    FORWARD_EVENTS: "MESSAGE_CREATE",
    EVENT_SINKS: "stdout,queue",
    INTENTS: "MessageContent",
    METRICS_PORT: "0",
    CHECKPOINT_INTERVAL_MS: "100",
  });
  runners.push(runner);
  return runner;
}

function channelOf(guildId: string): string {
  for (const [id, stored] of stack.emulator.world.channels) {
    if ("guild_id" in stored.channel && stored.channel.guild_id === guildId) return id;
  }
  throw new Error("no channel");
}

const stdoutEvents = () =>
  runners.flatMap((runner) => runner.output.map((line) => ForwardedEventSchema.parse(JSON.parse(line))));
const messageIds = (events: ForwardedEvent[]) => new Set(events.map((e) => (e.data as { id: string }).id));

describe("forwarded events through a SIGKILL", () => {
  it("reach stdout and the queue, all of them, duplicates only under the same id", {
    timeout: 90_000,
  }, async () => {
    const first = startRunner();
    await first.waitToSay("all shards connected", 30_000);
    const channel = channelOf(SEED.guildId);
    const author = stack.emulator.world.users.get(ada.id)!;
    const sent: string[] = [];
    const write = () => sent.push(stack.emulator.world.createMessage(channel, author, `m${sent.length}`).id);

    const injector = setInterval(write, 5);
    let second: RunnerProcess;
    try {
      await waitFor("the first runner forwarding", () => first.output.length >= 20);
      first.kill("SIGKILL");
      expect((await first.exited).signal).toBe("SIGKILL");
      second = startRunner();
      await second.waitToSay("all shards connected", 30_000);
      await waitFor("the replacement forwarding", () => second.output.length >= 20);
    } finally {
      clearInterval(injector);
    }
    const want = new Set(sent);
    await waitFor(
      "every message on stdout",
      () => [...want].every((id) => messageIds(stdoutEvents()).has(id)),
      {
        timeoutMs: 30_000,
      },
    );
    await waitFor("every message on the queue", () => [...want].every((id) => messageIds(queued).has(id)), {
      timeoutMs: 30_000,
      describe: () => ({ sent: want.size, queued: messageIds(queued).size }),
    });

    // The replacement resumed the dead runner's session, so replayed events keep their ids.
    expect(stack.emulator.gateway.counters()).toMatchObject({ identifies: 1, resumed: 1 });
    // The kill left events unconfirmed (the checkpoint trails the queue's acknowledgements), so the
    // resume replayed some, and stdout, which had them already, got them twice.
    expect(stack.emulator.gateway.counters().replayed).toBeGreaterThan(0);
    expect(stdoutEvents().length).toBeGreaterThan(messageIds(stdoutEvents()).size);
    for (const events of [stdoutEvents(), queued]) {
      const byId = new Map<string, string>();
      for (const event of events) {
        const message = (event.data as { id: string; content: string }).id;
        expect(byId.get(event.id) ?? message).toBe(message);
        byId.set(event.id, message);
      }
      // One event id per message: dropping duplicates by id leaves each message exactly once.
      expect(byId.size).toBe(messageIds(events).size);
    }
    // The example consumer drops the duplicates it sees; stdout leaves that to whoever reads it.
    expect(queued.length).toBe(new Set(queued.map((e) => e.id)).size);
    expect(stdoutEvents().every((e) => (e.data as { content: string }).content.startsWith("m"))).toBe(true);
  });
});
