import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSessionStore } from "../../../gateway-runner/file-session-store.ts";
import { HttpSessionStore, sessionsUrl } from "../../../gateway-runner/http-session-store.ts";
import type { GatewaySession } from "../../../schemas/gateway-sessions.ts";
import { TEST_SECRET } from "./helpers/harness.ts";
import { IngestReceiver } from "./helpers/receiver.ts";

const SESSIONS: GatewaySession[] = [
  {
    shard_id: 0,
    shard_count: 2,
    session_id: "a1b2",
    sequence: 41,
    resume_url: "wss://resume.example/gateway",
  },
  {
    shard_id: 1,
    shard_count: 2,
    session_id: "c3d4",
    sequence: 0,
    resume_url: "ws://127.0.0.1:8790/gateway-resume",
  },
];

let dir: string;
let receiver: IngestReceiver;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "porchlight-sessions-"));
  receiver = await IngestReceiver.start(TEST_SECRET);
});
afterAll(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe("FileSessionStore", () => {
  it("loads nothing before the first save, then what was saved", async () => {
    const store = new FileSessionStore(join(dir, "nested", "sessions.json"));
    expect(await store.load()).toEqual([]);
    await store.save(SESSIONS);
    expect(await store.load()).toEqual(SESSIONS);
    await store.save(SESSIONS.slice(1));
    expect(await store.load()).toEqual(SESSIONS.slice(1));
  });

  it("writes through a temporary file renamed into place, leaving none behind", async () => {
    const path = join(dir, "atomic.json");
    const store = new FileSessionStore(path);
    await store.save(SESSIONS);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({ sessions: SESSIONS });
  });

  it("says what is wrong with a file that is not a sessions document", async () => {
    const path = join(dir, "bad.json");
    await writeFile(path, "{ nope");
    await expect(new FileSessionStore(path).load()).rejects.toThrow(`${path} is not JSON`);
    await writeFile(path, JSON.stringify({ sessions: [{ shard_id: -1 }] }));
    await expect(new FileSessionStore(path).load()).rejects.toThrow(`${path} is not a sessions document`);
  });

  it("refuses to save an invalid session rather than write one it could not load", async () => {
    const store = new FileSessionStore(join(dir, "never.json"));
    await expect(store.save([{ ...SESSIONS[0]!, session_id: "" }])).rejects.toThrow();
  });
});

const BOTH = { shardIds: [0, 1] };

describe("HttpSessionStore", () => {
  it("derives {INGEST_URL}/sessions", () => {
    expect(sessionsUrl("https://w.example/ingest")).toBe("https://w.example/ingest/sessions");
    expect(sessionsUrl("https://w.example/ingest/?x=1")).toBe("https://w.example/ingest/sessions");
  });

  it("GETs and PUTs the sessions document, signed", async () => {
    const store = new HttpSessionStore(receiver.ingestUrl, TEST_SECRET, 5_000, BOTH);
    expect(await store.load()).toEqual([]);
    await store.save(SESSIONS);
    expect(receiver.sessions).toEqual(SESSIONS);
    expect(receiver.sessionWrites).toBe(1);
    expect(await store.load()).toEqual(SESSIONS);
    expect(
      receiver.requests.filter((r) => r.path === "/ingest/sessions").map((r) => [r.method, r.status]),
    ).toEqual([
      ["GET", 200],
      ["PUT", 200],
      ["GET", 200],
    ]);
  });

  it("replaces only its own shards' sessions, so runners that split the shards never overwrite each other", async () => {
    receiver.sessions = [];
    const [zero, one] = SESSIONS as [GatewaySession, GatewaySession];
    await new HttpSessionStore(receiver.ingestUrl, TEST_SECRET, 5_000, { shardIds: [0] }).save([zero]);
    await new HttpSessionStore(receiver.ingestUrl, TEST_SECRET, 5_000, { shardIds: [1] }).save([one]);
    expect(receiver.sessions).toEqual([zero, one]);
    // A shard left out of its runner's save has no session any more; the other runner's stays.
    await new HttpSessionStore(receiver.ingestUrl, TEST_SECRET, 5_000, { shardIds: [0] }).save([]);
    expect(receiver.sessions).toEqual([one]);
  });

  it("is refused while another runner holds the lease on one of its shards", async () => {
    receiver.sessions = [];
    receiver.leases = [{ shard_id: 1, runner_id: "successor", expires_at: Date.now() + 60_000 }];
    const stale = new HttpSessionStore(receiver.ingestUrl, TEST_SECRET, 5_000, {
      ...BOTH,
      runnerId: "stale",
    });
    await expect(stale.save(SESSIONS)).rejects.toThrow("answered HTTP 409");
    expect(receiver.sessions).toEqual([]);
    receiver.leases = [];
  });

  it("names itself and its failures without the credentials of its URL", async () => {
    const store = new HttpSessionStore(
      receiver.ingestUrl.replace("http://", "http://porchlight:hunter2@"),
      TEST_SECRET,
      5_000,
      BOTH,
    );
    expect(store.description).toBe(`worker ${receiver.ingestUrl}/sessions`);
    const failures = await Promise.all([
      store.load().catch((error: Error) => error.message),
      store.save(SESSIONS).catch((error: Error) => error.message),
    ]);
    expect(failures[0]).toMatch(`GET ${receiver.ingestUrl}/sessions failed: `);
    expect(failures[1]).toMatch(`PUT ${receiver.ingestUrl}/sessions failed: `);
    expect(failures.join("\n")).not.toContain("hunter2");
  });

  it("fails with the status when the Worker refuses the signature", async () => {
    const store = new HttpSessionStore(receiver.ingestUrl, "w".repeat(40), 5_000, BOTH);
    await expect(store.load()).rejects.toThrow(`GET ${receiver.ingestUrl}/sessions answered HTTP 401`);
    await expect(store.save(SESSIONS)).rejects.toThrow(
      `PUT ${receiver.ingestUrl}/sessions answered HTTP 401`,
    );
  });
});
