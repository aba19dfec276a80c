import WebSocket from "ws";

/**
 * A CPU profile of the Worker (and its Durable Objects, which run in the same isolate under
 * wrangler dev) through the DevTools protocol on wrangler's inspector port, and a summary of where
 * its time went: self time per function, and per source file of ours.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Connects to the first target wrangler's inspector lists, sends `Profiler.*` commands. */
export async function profileWorker(inspectorPort: number, during: () => Promise<void>): Promise<CpuProfile> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${inspectorPort}`);
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 200 });
    await send("Profiler.start");
    await during();
    const { profile } = (await send("Profiler.stop")) as { profile: CpuProfile };
    return profile;
  } finally {
    ws.close();
  }
}

export interface ProfileLine {
  name: string;
  /** Milliseconds of self time. */
  selfMs: number;
  share: number;
}

/** Self time per function (`name file:line`), and per file, biggest first; idle and GC kept apart. */
export function summarise(profile: CpuProfile): {
  functions: ProfileLine[];
  files: ProfileLine[];
  busyMs: number;
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, n) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[n] ?? 0) / 1000);
  });
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let busyMs = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") continue;
    busyMs += ms;
    const file = shortFile(url);
    const name = `${functionName || "(anonymous)"} ${file}${url ? `:${lineNumber + 1}` : ""}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  const lines = (map: Map<string, number>) =>
    [...map]
      .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / busyMs }))
      .sort((a, b) => b.selfMs - a.selfMs);
  return { functions: lines(functions), files: lines(files), busyMs };
}

/** The bundle's source map is not applied: node_modules paths and our folders are what tell. */
function shortFile(url: string): string {
  if (!url) return "(native)";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  return url.replace(/^.*?\/(workers|durable-objects|schemas|settings)\//, "$1/");
}
