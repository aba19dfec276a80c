import { DiscordAPIError, REST } from "@discordjs/rest";
import { type RESTGetCurrentApplicationResult, Routes } from "discord-api-types/v10";
import { Snowflake } from "../schemas/snowflake.ts";
import { COMMANDS } from "../workers/bot/commands.ts";

/**
 * `npm run commands:register`: tells Discord (or the emulator) which slash commands the bot has,
 * replacing every command the application had in that scope (PUT, a bulk overwrite), so a command
 * removed here disappears there too. Settings from the environment:
 *
 *   DISCORD_TOKEN           the bot token (required; never printed)
 *   DISCORD_APPLICATION_ID  the application id; without it, GET /applications/@me is asked
 *   GUILD_ID                register in this guild only (shows at once; handy while developing)
 *   DISCORD_API_BASE        REST base, as for the gateway runner (default https://discord.com/api;
 *                           the emulator: http://127.0.0.1:8790/api)
 */

export interface RegisterSettings {
  token: string;
  apiBase: string;
  applicationId: string | null;
  guildId: string | null;
}

export type SettingsResult = { ok: true; settings: RegisterSettings } | { ok: false; problems: string[] };

export const DEFAULT_API_BASE = "https://discord.com/api";

export function registerSettings(env: Record<string, string | undefined>): SettingsResult {
  const problems: string[] = [];
  const token = env.DISCORD_TOKEN?.trim() ?? "";
  if (!token) problems.push("DISCORD_TOKEN is required: the bot token from the developer portal");
  else if (/\s/.test(token)) problems.push("DISCORD_TOKEN must not contain whitespace");
  const id = (name: string) => {
    const value = env[name]?.trim() || null;
    if (value !== null && !Snowflake.safeParse(value).success)
      problems.push(`${name} must be a Discord id (17 to 20 digits), not ${JSON.stringify(value)}`);
    return value;
  };
  const applicationId = id("DISCORD_APPLICATION_ID");
  const guildId = id("GUILD_ID");
  const apiBase = env.DISCORD_API_BASE?.trim() || DEFAULT_API_BASE;
  if (!URL.canParse(apiBase) || !/^https?:$/.test(new URL(apiBase).protocol))
    problems.push(`DISCORD_API_BASE must be an http(s) URL such as ${DEFAULT_API_BASE}`);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, settings: { token, apiBase: apiBase.replace(/\/+$/, ""), applicationId, guildId } };
}

export interface Registered {
  applicationId: string;
  guildId: string | null;
  names: string[];
}

export async function registerCommands(settings: RegisterSettings): Promise<Registered> {
  const rest = new REST({ api: settings.apiBase, version: "10" }).setToken(settings.token);
  const applicationId = settings.applicationId ?? (await currentApplicationId(rest));
  const route = settings.guildId
    ? Routes.applicationGuildCommands(applicationId, settings.guildId)
    : Routes.applicationCommands(applicationId);
  const registered = (await rest.put(route, { body: COMMANDS })) as { name: string }[];
  return { applicationId, guildId: settings.guildId, names: registered.map((command) => command.name) };
}

async function currentApplicationId(rest: REST): Promise<string> {
  try {
    return ((await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult).id;
  } catch (error) {
    // A Discord-like API without /applications/@me (an older emulator, a proxy) still works with the id given.
    if (error instanceof DiscordAPIError && error.status === 404)
      throw new Error("GET /applications/@me is not available here: set DISCORD_APPLICATION_ID");
    throw error;
  }
}

/** An error in words that never include the token (a DiscordAPIError names only the route). */
export function explain(error: unknown, apiBase: string): string {
  if (error instanceof DiscordAPIError) {
    if (error.status === 401)
      return "Discord refused DISCORD_TOKEN (401): is it this application's bot token?";
    const details =
      error.rawError && "errors" in error.rawError ? ` ${JSON.stringify(error.rawError.errors)}` : "";
    return `${error.method} ${new URL(error.url).pathname} failed: ${error.status} ${error.message}${details}`;
  }
  if (error instanceof Error) {
    // Node's network errors carry a system code (ECONNREFUSED, ENOTFOUND), on themselves or their cause.
    const network = [error, error.cause].find(
      (e) => e instanceof Error && "code" in e && /^E[A-Z]+$/.test(String(e.code)),
    );
    return network instanceof Error ? `cannot reach ${apiBase}: ${network.message}` : error.message;
  }
  return String(error);
}

async function main(): Promise<number> {
  const parsed = registerSettings(process.env);
  if (!parsed.ok) {
    for (const problem of parsed.problems) console.error(`commands:register: ${problem}`);
    return 2;
  }
  try {
    const done = await registerCommands(parsed.settings);
    const where = done.guildId ? `in guild ${done.guildId}` : "globally";
    console.log(
      `registered ${done.names.length} commands (/${done.names.join(", /")}) ${where} for application ${done.applicationId} at ${parsed.settings.apiBase}`,
    );
    return 0;
  } catch (error) {
    console.error(`commands:register: ${explain(error, parsed.settings.apiBase)}`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main();
