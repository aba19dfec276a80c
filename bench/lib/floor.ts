import { connectRawGateway } from "./raw-gateway.ts";
import { median } from "./report.ts";
import { sleep } from "./socket-client.ts";
import { type InProcessStack, markedPresence } from "./stack.ts";

/**
 * The floor a change's latency is compared with, measured on the same stack: how long a dispatch
 * takes to reach a raw gateway client (the emulator's share, and Node's), and how long one request
 * to a trivial Worker route takes (GET /health: wrangler's proxy, workerd, no object). No pipeline
 * can deliver a change faster than their sum.
 */
export interface Floor {
  dispatchMs: number;
  requestMs: number;
  totalMs: number;
  samples: { dispatches: number; requests: number };
}

export async function measureFloor(
  stack: InProcessStack,
  userId: string,
  options: { dispatches?: number; requests?: number; gapMs?: number } = {},
): Promise<Floor> {
  const dispatches = options.dispatches ?? 100;
  const requests = options.requests ?? 200;
  const gapMs = options.gapMs ?? 20;
  const arrived = new Map<string, number>();
  const gateway = await connectRawGateway(
    stack.emulator.urls.gateway,
    stack.emulator.world.application.botToken,
    (at, text) => {
      const marker = /fl-\d+-z/.exec(text)?.[0];
      if (marker) arrived.set(marker, at);
    },
  );
  const dispatchTimes: number[] = [];
  try {
    for (let i = 0; i < dispatches; i++) {
      const marker = `fl-${i}-z`;
      const at = performance.now();
      stack.emulator.world.setPresence(stack.guildId, markedPresence(userId, marker));
      while (!arrived.has(marker) && performance.now() - at < 5_000) await sleep(0);
      const seen = arrived.get(marker);
      if (seen !== undefined) dispatchTimes.push(seen - at);
      await sleep(gapMs);
    }
  } finally {
    gateway.close();
  }
  const requestTimes: number[] = [];
  for (let i = 0; i < requests; i++) {
    const at = performance.now();
    await (await fetch(`${stack.worker.url}/health`)).arrayBuffer();
    requestTimes.push(performance.now() - at);
  }
  const dispatchMs = median(dispatchTimes);
  const requestMs = median(requestTimes);
  return {
    dispatchMs,
    requestMs,
    totalMs: dispatchMs + requestMs,
    samples: { dispatches: dispatchTimes.length, requests: requestTimes.length },
  };
}
