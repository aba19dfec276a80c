import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { QUEUE_CONSUMER_DIR, writeQueueConsumerConfig } from "../../../scripts/lib/local-stack.ts";

/**
 * The example consumer's config for a local stack (scripts/lib/local-stack.ts): the example's own
 * wrangler.toml, runnable from a temporary directory, delivering at once, with FORWARD_TO when given.
 */

interface ConsumerConfig {
  name: string;
  main: string;
  queues: { consumers: { queue: string; max_batch_timeout: number; max_batch_size: number }[] };
  vars?: Record<string, string>;
}

function written(options: Parameters<typeof writeQueueConsumerConfig>[0]) {
  const config = writeQueueConsumerConfig(options);
  try {
    return {
      config,
      toml: parse(readFileSync(config.path, "utf8")) as unknown as ConsumerConfig,
      mode: statSync(config.path).mode & 0o777,
      dirMode: statSync(dirname(config.path)).mode & 0o777,
    };
  } finally {
    config.remove();
  }
}

describe("writeQueueConsumerConfig", () => {
  it("is the example's config with an absolute main and no batching delay, private, removed after", () => {
    const { config, toml, mode, dirMode } = written({});
    const example = parse(
      readFileSync(`${QUEUE_CONSUMER_DIR}/wrangler.toml`, "utf8"),
    ) as unknown as ConsumerConfig;
    expect(toml.name).toBe(example.name);
    expect(config.name).toBe(example.name);
    expect(isAbsolute(toml.main)).toBe(true);
    expect(existsSync(toml.main)).toBe(true);
    expect(toml.main.endsWith(`${QUEUE_CONSUMER_DIR}/index.ts`)).toBe(true);
    expect(toml.queues.consumers).toEqual(
      example.queues.consumers.map((consumer) => ({ ...consumer, max_batch_timeout: 0 })),
    );
    expect(toml.queues.consumers[0]!.queue).toBe("porchlight-gateway-events");
    expect(toml.vars?.FORWARD_TO).toBeUndefined();
    expect([mode, dirMode]).toEqual([0o600, 0o700]);
    expect(existsSync(config.path)).toBe(false);
  });

  it("sets FORWARD_TO as a var, quoted as TOML needs", () => {
    const forwardTo = 'http://127.0.0.1:9999/events?token="a\\b"';
    expect(written({ forwardTo }).toml.vars).toEqual({ FORWARD_TO: forwardTo });
  });
});
