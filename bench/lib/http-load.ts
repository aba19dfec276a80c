/**
 * A fixed number of GETs to one URL from a fixed number of concurrent workers, over keep-alive
 * connections (Node's fetch, undici, pools them per origin): the load generator of
 * bench/pipeline.ts. Every body is read to the end, so a request counts only once it is complete.
 */

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  /** Responses by status code. */
  statuses: Map<number, number>;
  /** Responses by the value of the header asked for (missing: "none"). */
  header: Map<string, number>;
}

export async function getLoad(
  url: string,
  options: { requests: number; concurrency: number; countHeader?: string },
): Promise<LoadResult> {
  const statuses = new Map<number, number>();
  const header = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < options.requests) {
      next++;
      const res = await fetch(url);
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (options.countHeader) {
        const value = res.headers.get(options.countHeader) ?? "none";
        header.set(value, (header.get(value) ?? 0) + 1);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { requests: options.requests, seconds, perSecond: options.requests / seconds, statuses, header };
}
