/**
 * Reading the gateway runner's /metrics (Prometheus text exposition) in benchmarks: just enough
 * of the format for counters and gauges, each sample keyed by its name and label set as written.
 */

export type Samples = Map<string, number>;

export function parsePrometheus(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (!Number.isNaN(value)) samples.set(line.slice(0, space), value);
  }
  return samples;
}

/** The sum of every sample of `name`, whatever its labels (0 when there is none). */
export function total(samples: Samples, name: string): number {
  let sum = 0;
  for (const [key, value] of samples) {
    if (key === name || key.startsWith(`${name}{`)) sum += value;
  }
  return sum;
}

/** One sample, by name and labels exactly as the exposition writes them: `name{a="b"}`. */
export function sample(samples: Samples, key: string): number {
  return samples.get(key) ?? 0;
}

export async function scrape(metricsUrl: string): Promise<Samples> {
  const res = await fetch(`${metricsUrl}/metrics`);
  if (!res.ok) throw new Error(`GET ${metricsUrl}/metrics: ${res.status}`);
  return parsePrometheus(await res.text());
}
