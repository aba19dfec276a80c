import {
  type Dialect,
  type LanternUser,
  PorchlightClient,
  PorchlightHttpError,
  type PresenceSubscription,
  type SubscriptionEvents,
} from "porchlight/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InProcessStack, markedPresence, startInProcessStack } from "../../../bench/lib/stack.ts";
import { credentialsFor } from "../../../emulator/credentials.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { emulatorApplication, wireBot } from "../../../scripts/lib/local-stack.ts";
import { writeTokenFor } from "../helpers/stacks.ts";

/**
 * The client library against the real stack, as `npm start` runs it: the emulator in this process,
 * the gateway runner, and the Worker under wrangler dev. Presence in both dialects, key-value
 * storage with a token the bot gave, and a live subscription that sees a change made on Discord
 * (the emulator) and survives the Worker restarting. Imported by its package name, as an
 * application would.
 */

const SEEDED_PUBLIC_KEY = credentialsFor(SEED.applicationId, SEED.secret).publicKey;
const [ada, grace, linus, margaret] = SEED_MEMBERS.map((member) => member.id) as [
  string,
  string,
  string,
  string,
];
/** A well-formed id nobody in the emulator has. */
const STRANGER = "1191168999999999999";

let stack: InProcessStack;
let client: PorchlightClient;
const subscriptions: { close(): void }[] = [];

beforeAll(async () => {
  stack = await startInProcessStack({
    users: 5,
    seed: 17,
    heartbeatIntervalMs: 2_000,
    workerVars: { DISCORD_PUBLIC_KEY: SEEDED_PUBLIC_KEY },
  });
  await wireBot(
    stack.emulator.urls.http,
    stack.worker.url,
    await emulatorApplication(stack.emulator.urls.http),
  );
  client = new PorchlightClient({ url: stack.worker.url });
}, 150_000);

afterAll(async () => {
  for (const subscription of subscriptions) subscription.close();
  await stack?.stop();
});

const tokenFor = (userId: string) => writeTokenFor(stack, userId);

/** The first `type` event whose payload passes `match`, within `timeoutMs`. */
function nextEvent<D extends Dialect, K extends keyof SubscriptionEvents<D>>(
  subscription: PresenceSubscription<D>,
  type: K,
  match: (payload: SubscriptionEvents<D>[K]) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<SubscriptionEvents<D>[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      remove();
      reject(new Error(`no matching ${String(type)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const remove = subscription.on(type, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      remove();
      resolve(payload);
    });
  });
}

/** The text of the custom status markedPresence() set. */
const customText = (user: LanternUser) => {
  const status = user.activities.find((activity) => activity.type === 4);
  return status && "text" in status ? status.text : null;
};

describe("presence over REST", () => {
  it("reads a user in Lantern's shape", async () => {
    const user = await client.presence.get(ada);
    expect(user.metadata).toMatchObject({ id: ada, username: "ada" });
    expect(user.active_platforms.spotify?.song).toBeTruthy();
  });

  it("reads the same user in Lanyard's shape, without its envelope", async () => {
    const presence = await client.presence.get(ada, { dialect: "lanyard" });
    expect(presence.discord_user).toMatchObject({ id: ada, username: "ada" });
    expect(presence.listening_to_spotify).toBe(true);
    expect(presence).not.toHaveProperty("success");
  });

  it("reads several users at once in Lantern's bulk route, leaving out strangers", async () => {
    const users = await client.presence.getMany([ada, grace, STRANGER, ada]);
    expect(users.map((user) => user.metadata.id)).toEqual([ada, grace]);
    expect(await client.presence.getMany([STRANGER])).toEqual([]);
    const lanyard = await client.presence.getMany([margaret, STRANGER], { dialect: "lanyard" });
    expect(lanyard.map((presence) => presence.discord_user.id)).toEqual([margaret]);
  });

  it("throws PorchlightHttpError 404 for a user who is not monitored, in both dialects", async () => {
    const lantern = await client.presence.get(STRANGER).catch((error: unknown) => error);
    expect(lantern).toBeInstanceOf(PorchlightHttpError);
    expect(lantern).toMatchObject({ status: 404, type: "not_found" });
    expect((lantern as PorchlightHttpError).text).toContain("not being monitored");
    const lanyard = await client.presence
      .get(STRANGER, { dialect: "lanyard" })
      .catch((error: unknown) => error);
    expect(lanyard).toMatchObject({ status: 404, type: "not_found", code: "user_not_monitored" });
  });

  it("a bad id is a 400 invalid_input naming the field", async () => {
    const error = await client.presence.get("not-an-id").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, type: "invalid_input" });
  });
});

describe("key-value storage with a token", () => {
  it("sets, reads, deletes and clears with the token the bot gave", async () => {
    const token = await tokenFor(grace);
    const kv = new PorchlightClient({ url: stack.worker.url, token }).kv;
    expect(await kv.get(grace)).toEqual({});
    expect(await kv.get(grace, "city")).toBeUndefined();

    await kv.set(grace, "city", "Lisbon");
    await kv.set(grace, "mood", "calm");
    expect(await kv.get(grace, "city")).toBe("Lisbon");
    expect(await kv.get(grace)).toEqual({ city: "Lisbon", mood: "calm" });
    expect((await client.presence.get(grace)).storage).toEqual({ city: "Lisbon", mood: "calm" });

    await kv.delete(grace, "city");
    expect(await kv.get(grace)).toEqual({ mood: "calm" });
    await kv.clear(grace);
    expect(await kv.get(grace)).toEqual({});
  });

  it("a wrong token is a 401, and a client without one refuses before sending", async () => {
    const wrong = new PorchlightClient({ url: stack.worker.url, token: `pl_${"A".repeat(43)}` });
    const refused = await wrong.kv.set(grace, "city", "Porto").catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 401, type: "unauthorized" });
    await expect(client.kv.set(grace, "city", "Porto")).rejects.toThrow(/need the user's token/);
  });

  it("a bad key is the server's 400, and a stranger's storage a 404", async () => {
    const token = await tokenFor(grace);
    const kv = new PorchlightClient({ url: stack.worker.url, token }).kv;
    await expect(kv.set(grace, "no spaces", "x")).rejects.toMatchObject({ status: 400 });
    await expect(client.kv.get(STRANGER)).rejects.toMatchObject({ status: 404, type: "not_found" });
  });
});

describe("a live subscription", () => {
  it("gets the initial state, then a change made on Discord, in Lantern's protocol", async () => {
    const subscription = client.subscribe([ada, STRANGER]);
    subscriptions.push(subscription);
    const error = nextEvent(subscription, "error");
    const ready = await nextEvent(subscription, "ready");
    expect(ready.reconnected).toBe(false);
    expect(ready.users.map((user) => user.metadata.id)).toEqual([ada]);
    // The stranger was named by the server and is not followed any more.
    expect(await error).toMatchObject({ source: "server", message: expect.stringContaining(STRANGER) });
    expect(subscription.targets).toEqual([ada]);

    const update = nextEvent(subscription, "presence", (user) => customText(user) === "client-a");
    stack.emulator.world.setPresence(stack.guildId, markedPresence(ada, "client-a", "dnd"));
    expect(await update).toMatchObject({ metadata: { id: ada }, status: "dnd" });
  });

  it("adds and drops users with SUBSCRIBE and UNSUBSCRIBE", async () => {
    const subscription = client.subscribe(ada);
    subscriptions.push(subscription);
    await nextEvent(subscription, "ready");
    const added = nextEvent(subscription, "subscribed");
    subscription.subscribe([margaret]);
    expect((await added).users.map((user) => user.metadata.id)).toEqual([margaret]);
    expect(subscription.targets).toEqual([ada, margaret]);

    subscription.unsubscribe(ada);
    const margaretChanged = nextEvent(subscription, "presence", (user) => customText(user) === "client-b");
    const adaChanged = nextEvent(subscription, "presence", (user) => user.metadata.id === ada, 3_000);
    stack.emulator.world.setPresence(stack.guildId, markedPresence(ada, "client-b"));
    stack.emulator.world.setPresence(stack.guildId, markedPresence(margaret, "client-b"));
    expect((await margaretChanged).metadata.id).toBe(margaret);
    await expect(adaChanged).rejects.toThrow(/no matching presence/);
  });

  it("speaks Lanyard's protocol too", async () => {
    const subscription = client.subscribe([grace], { dialect: "lanyard" });
    subscriptions.push(subscription);
    const ready = await nextEvent(subscription, "ready");
    expect(Object.keys(ready.presences)).toEqual([grace]);
    const update = nextEvent(subscription, "presence");
    stack.emulator.world.setPresence(stack.guildId, markedPresence(grace, "client-c", "idle"));
    expect(await update).toMatchObject({ user_id: grace, discord_status: "idle" });
  });

  it("ends for good when its last user leaves the guild (close 4000), without reconnecting", async () => {
    const subscription = client.subscribe(linus);
    subscriptions.push(subscription);
    await nextEvent(subscription, "ready");
    let reconnects = 0;
    subscription.on("reconnecting", () => reconnects++);
    const left = nextEvent(subscription, "left");
    stack.emulator.world.removeMember(stack.guildId, linus);
    expect(await left).toEqual({ user_id: linus });
    expect(await subscription.closed).toMatchObject({ code: 4000 });
    expect(reconnects).toBe(0);
  });

  it("reconnects when the Worker restarts, resubscribes, and sees changes made after", async () => {
    const subscription = client.subscribe([ada], { reconnect: { baseMs: 200, maxMs: 1_000 } });
    subscriptions.push(subscription);
    await nextEvent(subscription, "ready");
    subscription.subscribe(margaret);
    await nextEvent(subscription, "subscribed");

    const reconnecting = nextEvent(subscription, "reconnecting");
    await stack.worker.stop();
    expect((await reconnecting).attempt).toBe(1);
    await stack.startWorker();

    const ready = await nextEvent(subscription, "ready", () => true, 60_000);
    expect(ready.reconnected).toBe(true);
    // The INIT after the restart named both users, the one added by SUBSCRIBE included.
    expect(ready.users.map((user) => user.metadata.id).sort()).toEqual([ada, margaret].sort());
    expect(subscription.connected).toBe(true);

    const update = nextEvent(subscription, "presence", (user) => customText(user) === "client-d");
    stack.emulator.world.setPresence(stack.guildId, markedPresence(margaret, "client-d"));
    expect((await update).metadata.id).toBe(margaret);

    subscription.close();
    expect(await subscription.closed).toEqual({ code: 1000, reason: "closed by the client" });
  }, 120_000);
});
