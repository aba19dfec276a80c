import type { APIApplicationCommand } from "discord-api-types/v10";
import type { Context } from "hono";
import type { World } from "../../world.ts";
import { BUCKETS } from "../buckets.ts";
import { parseCommand, parseCommandList } from "../command-input.ts";
import { type CommandScope, overwriteCommands, upsertCommand } from "../command-registry.ts";
import { RestErrors } from "../errors.ts";
import { type DefineRoute, type RestDeps, readJson } from "../routing.ts";

/** One scope's command list in the world: the global list, or one guild's. */
interface CommandList {
  scope: CommandScope;
  read(): APIApplicationCommand[];
  write(commands: APIApplicationCommand[]): void;
}

/** The list a request addresses; 10002 for another application, 10004 for an unknown guild. */
function commandList(world: World, c: Context): CommandList {
  const app = world.application;
  if (c.req.param("application_id") !== app.id) throw RestErrors.unknownApplication();
  const guildId = c.req.param("guild_id");
  if (guildId === undefined) {
    return {
      scope: { applicationId: app.id, guildId: null },
      read: () => app.globalCommands,
      write: (commands) => {
        app.globalCommands = commands;
      },
    };
  }
  world.requireGuild(guildId);
  return {
    scope: { applicationId: app.id, guildId },
    read: () => app.guildCommands.get(guildId) ?? [],
    write: (commands) => {
      app.guildCommands.set(guildId, commands);
    },
  };
}

export function commandRoutes(route: DefineRoute, { world }: RestDeps): void {
  const nextId = () => world.ids.next();
  for (const path of [
    "/applications/:application_id/commands",
    "/applications/:application_id/guilds/:guild_id/commands",
  ]) {
    route("GET", path, BUCKETS.readCommands, (c) => c.json(commandList(world, c).read()));

    route("PUT", path, BUCKETS.writeCommands, async (c) => {
      const list = commandList(world, c);
      const commands = overwriteCommands(
        list.read(),
        parseCommandList(await readJson(c)),
        list.scope,
        nextId,
      );
      list.write(commands);
      return c.json(commands);
    });

    route("POST", path, BUCKETS.writeCommands, async (c) => {
      const list = commandList(world, c);
      const result = upsertCommand(list.read(), parseCommand(await readJson(c)), list.scope, nextId);
      list.write(result.commands);
      // 201 for a new command, 200 when an existing one (same type and name) was updated.
      return c.json(result.command, result.created ? 201 : 200);
    });
  }
}
