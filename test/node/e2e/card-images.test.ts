import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CardStack, startCardStack } from "../../../bench/lib/card-stack.ts";
import { SEED, SEED_MEMBERS } from "../../../emulator/seed.ts";
import { type RunnerProcess, runnerEnvFor, startRunnerProcess } from "../../../scripts/lib/local-stack.ts";
import { findAll, parseXml } from "../../workers/cards-xml.ts";
import { waitFor } from "../runner/helpers/wait.ts";

/**
 * Card images that never wait on the CDN at view time, end to end: the emulator, the gateway
 * runner (CARD_IMAGES=on) and the Worker under wrangler dev with Miniflare's R2. The runner and
 * the Worker share one counting pass-through in front of the emulator's CDN, as a deployment
 * shares Discord's CDN bases, so the test sees who fetched what.
 */

let stack: CardStack;
let runner: RunnerProcess;
const ada = SEED_MEMBERS[0]!;

beforeAll(async () => {
  stack = await startCardStack();
  const { emulator, cdn } = stack;
  const discord = { http: emulator.urls.http, token: emulator.world.application.botToken };
  runner = await startRunnerProcess({
    env: {
      ...runnerEnvFor(discord, stack.worker.url, stack.secret, [SEED.guildId]),
      CARD_IMAGES: "on",
      DISCORD_CDN_BASE: cdn.url,
      SPOTIFY_CDN_BASE: cdn.url,
      MEDIA_PROXY_BASE: cdn.url,
    },
  });
}, 120_000);
afterAll(async () => {
  await runner?.stop();
  await stack?.stop();
});

/** Images the runner has stored, once it has none left to copy; null while it is still copying. */
async function storedWhenSettled(): Promise<number | null> {
  const text = await (await fetch(`${runner.metrics}/metrics`)).text();
  const metric = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  const pending = metric(/^porchlight_runner_card_images_pending (\d+)$/m);
  return pending === 0 ? metric(/^porchlight_runner_card_images_total\{outcome="stored"\} (\d+)$/m) : null;
}

describe("emulator → runner → R2 → card", () => {
  it("after an avatar change the card inlines the new avatar from R2, asking the CDN for nothing", async () => {
    // The runner stores what the seeded members' cards draw as it learns the members.
    await waitFor("the seeded members' images", async () => ((await storedWhenSettled()) ?? 0) > 0, {
      timeoutMs: 30_000,
    });
    const before = (await storedWhenSettled())!;

    const avatar = "5e1f0c0ffee0c0ffee0c0ffee0c0ffee";
    stack.emulator.world.updateUser(ada.id, { avatar });
    await waitFor("the new avatar in R2", async () => (await storedWhenSettled()) === before + 1, {
      timeoutMs: 30_000,
    });
    await waitFor("the new avatar in ada's presence", async () => {
      const user = (await (await fetch(`${stack.worker.url}/api/v1/users/${ada.id}`)).json()) as {
        metadata: { avatar: string };
      };
      return user.metadata.avatar === avatar;
    });

    stack.cdn.reset();
    const res = await fetch(stack.cardUrl(ada.id));
    const svg = await res.text();
    expect(stack.cdn.requests).toEqual([]);
    // The avatar and Spotify's album art, both from R2.
    expect(res.headers.get("x-porchlight-card-images")).toBe("fetched=0, stored=2, cached=0, failed=0");
    const [inlinedAvatar] = findAll(parseXml(svg), "image").map((image) => image.attributes.href!);
    const real = await fetch(`${stack.emulator.urls.http}/avatars/${ada.id}/${avatar}.png?size=128`);
    const bytes = Buffer.from(await real.arrayBuffer());
    expect(inlinedAvatar).toBe(`data:image/png;base64,${bytes.toString("base64")}`);
  });
});
