/**
 * An example application: posts to a Discord channel whenever one of some users comes online.
 * It uses both halves of the client, a live subscription and the message API, and nothing of
 * Node's beyond `process` for its settings, so the same code works in a Worker or a page.
 *
 *   npm start   # in another terminal
 *   node client/examples/online-notifier.ts <channel_id> <user_id...>
 *
 * PORCHLIGHT_URL and PORCHLIGHT_KEY default to npm start's Worker and its local proxy key.
 */
import { type LanternUser, PorchlightClient, PorchlightHttpError } from "porchlight/client";

const [channelId, ...userIds] = process.argv.slice(2);
if (!channelId || userIds.length === 0) {
  console.error("usage: node client/examples/online-notifier.ts <channel_id> <user_id...>");
  process.exit(2);
}

const client = new PorchlightClient({
  url: process.env.PORCHLIGHT_URL ?? "http://127.0.0.1:8787",
  key: process.env.PORCHLIGHT_KEY ?? "plk_local-development-key-change-me-0000000000000",
});

const lastStatus = new Map<string, string>();

async function notify(user: LanternUser): Promise<void> {
  const name = user.metadata.global_name ?? user.metadata.username;
  try {
    // The key names this change, so a retry after a lost answer never posts it twice.
    const sent = await client.messages.send(
      channelId!,
      { content: `${name} is online`, embeds: [{ title: name, color: 0x23a55a }] },
      { idempotencyKey: `online-${user.metadata.id}-${Date.now()}` },
    );
    console.log(`told ${channelId} that ${name} is online (message ${sent.id})`);
  } catch (error) {
    if (error instanceof PorchlightHttpError)
      console.error(`not sent: ${error.type} ${error.status}: ${error.text}`);
    else throw error;
  }
}

function observe(user: LanternUser, announce: boolean): void {
  const before = lastStatus.get(user.metadata.id);
  lastStatus.set(user.metadata.id, user.status);
  if (announce && user.status === "online" && before !== undefined && before !== "online") void notify(user);
}

const subscription = client.subscribe(userIds);
// Every (re)connection starts with everyone's state: remember it, announce only real changes.
subscription.on("ready", ({ users }) => {
  for (const user of users) observe(user, true);
});
subscription.on("presence", (user) => observe(user, true));
subscription.on("reconnecting", ({ delayMs }) => console.error(`connection lost; retrying in ${delayMs} ms`));
subscription.on("close", ({ code, reason }) => console.error(`stopped (${code}): ${reason}`));
process.once("SIGINT", () => subscription.close());
