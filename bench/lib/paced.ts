/**
 * Calls `each` `rate` times a second, from a 10 ms timer that catches up on what it owes (a timer
 * firing late makes up the calls it missed): the benchmarks' steady churn. Returns a stop function.
 */
export function paced(rate: number, each: () => void): () => void {
  let last = performance.now();
  let owed = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    owed += (rate * (now - last)) / 1000;
    last = now;
    for (; owed >= 1; owed--) each();
  }, 10);
  return () => clearInterval(timer);
}
