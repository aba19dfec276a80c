import { randomBytes } from "node:crypto";
import { dispatchFrame } from "./frames.ts";
import type { IdentifyRequest } from "./identify.ts";
import { ReplayBuffer } from "./replay-buffer.ts";

/** Where a session's frames go while a connection is attached. */
export interface FrameSink {
  send(frame: string): void;
}

/**
 * One gateway session: its sequence counter and replay buffer. It outlives connections: while
 * detached it keeps numbering and buffering its dispatches so a RESUME can replay them.
 */
export class Session {
  readonly id = randomBytes(16).toString("hex");
  /** When IDENTIFY started it (ms since the epoch): tests read identify spacing from it. */
  readonly startedAt = Date.now();
  readonly shardId: number;
  readonly shardCount: number;
  readonly shardGiven: boolean;
  readonly intents: number;
  readonly largeThreshold: number;
  readonly presence: unknown;
  readonly #buffer: ReplayBuffer;
  sink: FrameSink | null = null;
  /** Set while detached: when the resume window closes. */
  expiry: NodeJS.Timeout | null = null;

  constructor(request: IdentifyRequest, replayBufferSize: number) {
    this.shardId = request.shardId;
    this.shardCount = request.shardCount;
    this.shardGiven = request.shardGiven;
    this.intents = request.intents;
    this.largeThreshold = request.largeThreshold;
    this.presence = request.presence;
    this.#buffer = new ReplayBuffer(replayBufferSize);
  }

  get seq(): number {
    return this.#buffer.lastSeq;
  }

  get buffered(): number {
    return this.#buffer.size;
  }

  /** Numbers, buffers and (if connected) sends one dispatch; `dJson` is the serialised `d`. */
  dispatch(t: string, dJson: string): void {
    const frame = dispatchFrame(t, this.#buffer.lastSeq + 1, dJson);
    this.#buffer.push(frame);
    this.sink?.send(frame);
  }

  /** Frames after `seq` for a RESUME: "too-old" if some were dropped, "future" if `seq` was never sent. */
  framesAfter(seq: number): string[] | "too-old" | "future" {
    if (seq > this.#buffer.lastSeq) return "future";
    return this.#buffer.framesAfter(seq) ?? "too-old";
  }
}
