import { type GatewayActivity, UserFlags } from "discord-api-types/v10";
import { customStatusActivity, listeningOnSpotify, playingGame } from "./activities.ts";
import { credentialsFor } from "./credentials.ts";
import { LET_GO } from "./simulator-activities.ts";
import { snowflake } from "./snowflake.ts";
import { World } from "./world.ts";

/**
 * The world `npm run emulator` starts with: one bot application with a documented token and key
 * pair, and one guild with a handful of members who have avatars and live presences. Everything
 * here is fixed, so ids, tokens and keys can be written into docs and local config.
 */

const SEED_TIME = Date.UTC(2024, 0, 1);

export const SEED = {
  applicationId: snowflake(SEED_TIME, 1),
  guildId: snowflake(SEED_TIME, 2),
  /** Seed for the documented bot token and Ed25519 key pair. */
  secret: "porchlight-seed",
} as const;

export interface SeedMember {
  id: string;
  username: string;
  global_name: string | null;
  avatar: string | null;
  public_flags: number;
}

export const SEED_MEMBERS: readonly SeedMember[] = [
  {
    id: snowflake(SEED_TIME + 1_000, 0),
    username: "ada",
    global_name: "Ada",
    avatar: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    public_flags: UserFlags.HypeSquadOnlineHouse1 | UserFlags.ActiveDeveloper,
  },
  {
    id: snowflake(SEED_TIME + 2_000, 0),
    username: "grace",
    global_name: "Grace 🌙",
    avatar: "a_0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    public_flags: UserFlags.PremiumEarlySupporter | UserFlags.VerifiedDeveloper,
  },
  {
    id: snowflake(SEED_TIME + 3_000, 0),
    username: "linus",
    global_name: null,
    avatar: null,
    public_flags: 0,
  },
  {
    id: snowflake(SEED_TIME + 4_000, 0),
    username: "margaret",
    global_name: "Margaret",
    avatar: "5f4e3d2c1b0a99887766554433221100",
    public_flags: UserFlags.Staff | UserFlags.BugHunterLevel2,
  },
  {
    id: snowflake(SEED_TIME + 5_000, 0),
    username: "dennis",
    global_name: "Dennis",
    avatar: "00112233445566778899aabbccddeeff",
    public_flags: UserFlags.HypeSquadOnlineHouse3,
  },
];

/** `now` dates the seeded activities (ada's track began a minute before it); tests pin it. */
export function createSeededWorld(now = Date.now()): World {
  const world = new World({
    id: SEED.applicationId,
    name: "Porchlight Emulated",
    botUsername: "porchlight",
    credentials: credentialsFor(SEED.applicationId, SEED.secret),
  });
  const guild = world.createGuild({
    id: SEED.guildId,
    name: "Porchlight Lounge",
    channelNames: ["general", "presence-log"],
  });
  for (const [index, member] of SEED_MEMBERS.entries()) {
    world.createUser({ ...member, discriminator: "0" });
    world.addMember(guild.id, member.id, new Date(SEED_TIME + 86_400_000 * (index + 1)));
  }
  const [ada, grace, , margaret, dennis] = SEED_MEMBERS;
  world.setPresence(guild.id, {
    user: { id: ada!.id },
    status: "online",
    client_status: { desktop: "online", mobile: "online" },
    activities: [spotifyActivity(ada!.id, now)],
  });
  world.setPresence(guild.id, {
    user: { id: grace!.id },
    status: "dnd",
    client_status: { desktop: "dnd" },
    activities: [customStatus("shipping things", "🚀", now), gameActivity(now)],
  });
  world.setPresence(guild.id, {
    user: { id: margaret!.id },
    status: "idle",
    client_status: { web: "idle" },
    activities: [],
  });
  world.setPresence(guild.id, {
    user: { id: dennis!.id },
    status: "online",
    client_status: { mobile: "online" },
    activities: [customStatus("reading", null, now)],
  });
  return world;
}

/** A Spotify activity in the exact shape Discord sends (see shared/reference, "Spotify activity"). */
export function spotifyActivity(userId: string, now: number): GatewayActivity {
  const startedAt = now - 60_000;
  return listeningOnSpotify(LET_GO, {
    userId,
    startedAt,
    createdAt: startedAt,
    sessionId: "140ecdfb976bdbf29d4452d492e551c7",
  });
}

export function customStatus(text: string, emoji: string | null, now: number): GatewayActivity {
  return customStatusActivity(text, emoji ? { name: emoji } : null, now);
}

export function gameActivity(now: number): GatewayActivity {
  return playingGame(
    {
      activityId: "c0a8f5c5e0f0b0a1",
      name: "Celeste",
      applicationId: "1200000000000000001",
      details: "Chapter 7: The Summit",
      state: "B-Side",
      largeImage: "1200000000000000101",
      largeText: "Celeste",
      smallImage: "1200000000000000102",
      smallText: "Madeline",
    },
    now - 3_725_000,
  );
}
