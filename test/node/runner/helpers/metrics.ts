/** Reads the runner's /metrics over HTTP, as Prometheus would, into "name{labels}" → value. */
export async function scrape(opsPort: number): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
  const text = await response.text();
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

/** One sample, 0 when absent (prom-client leaves out labelled counters never incremented). */
export async function metric(opsPort: number, series: string): Promise<number> {
  return (await scrape(opsPort)).get(series) ?? 0;
}
