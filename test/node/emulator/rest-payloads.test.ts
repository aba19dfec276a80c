import { ApplicationCommandType, MessageFlags } from "discord-api-types/v10";
import { describe, expect, it } from "vitest";
import { type CommandInput, parseCommand, parseCommandList } from "../../../emulator/rest/command-input.ts";
import { COMMAND_LIMITS, overwriteCommands, upsertCommand } from "../../../emulator/rest/command-registry.ts";
import { DiscordHttpError } from "../../../emulator/rest/errors.ts";
import { EMBED_LIMITS, MESSAGE_LIMITS, parseMessageCreate } from "../../../emulator/rest/messages.ts";

/** The Discord error a call throws, as {status, code, message, errors}. */
function failure(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof DiscordHttpError) return { status: error.status, ...error.body };
    throw error;
  }
  throw new Error("expected a DiscordHttpError, but the call succeeded");
}

/** The `_errors` Discord lists at one path of a 50035 body. */
function fieldErrors(run: () => unknown, path: (string | number)[]) {
  const { code, errors } = failure(run);
  expect(code).toBe(50035);
  // biome-ignore lint/suspicious/noExplicitAny: walking a nested error tree by path.
  return path.reduce((node: any, key) => node?.[String(key)], errors)?._errors;
}

const text = (length: number) => "x".repeat(length);

describe("message bodies", () => {
  it("accepts content of exactly 2000 characters, counted as code points", () => {
    expect(parseMessageCreate({ content: text(2000) }).content).toHaveLength(2000);
    // 2000 emoji are 4000 UTF-16 units but 2000 characters to Discord.
    expect(parseMessageCreate({ content: "😀".repeat(2000) }).content).toHaveLength(4000);
  });

  it("refuses 2001 characters with 50035 naming content", () => {
    expect(fieldErrors(() => parseMessageCreate({ content: text(2001) }), ["content"])).toEqual([
      { code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." },
    ]);
  });

  it.each([{}, undefined, { content: "" }, { content: null, embeds: [], components: [] }])(
    "answers 50006 for a message with nothing in it: %j",
    (body) => {
      expect(failure(() => parseMessageCreate(body))).toEqual({
        status: 400,
        code: 50006,
        message: "Cannot send an empty message",
      });
    },
  );

  it("keeps embeds, components and flags", () => {
    const message = parseMessageCreate({
      embeds: [{ title: "t" }],
      components: [{ type: 1, components: [] }],
      flags: MessageFlags.SuppressNotifications,
    });
    expect(message).toEqual({
      content: "",
      embeds: [{ title: "t" }],
      components: [{ type: 1, components: [] }],
      flags: MessageFlags.SuppressNotifications,
    });
  });

  it("refuses a body that is not an object, and fields of the wrong type", () => {
    expect(fieldErrors(() => parseMessageCreate([]), [])).toEqual([
      { code: "DICT_TYPE_CONVERT", message: "Only dictionaries may be used in a DictType" },
    ]);
    expect(fieldErrors(() => parseMessageCreate({ content: 5 }), ["content"])?.[0].code).toBe(
      "BASE_TYPE_STRING",
    );
    expect(fieldErrors(() => parseMessageCreate({ content: "x", flags: 1.5 }), ["flags"])?.[0].code).toBe(
      "NUMBER_TYPE_COERCE",
    );
    expect(fieldErrors(() => parseMessageCreate({ embeds: {} }), ["embeds"])?.[0].code).toBe(
      "LIST_TYPE_CONVERT",
    );
    expect(fieldErrors(() => parseMessageCreate({ embeds: ["x"] }), ["embeds", 0])?.[0].code).toBe(
      "MODEL_TYPE_CONVERT",
    );
  });

  it("reports every failing field at once", () => {
    const { errors } = failure(() =>
      parseMessageCreate({ content: text(2001), embeds: [{ title: text(257) }] }),
    );
    expect(Object.keys(errors!)).toEqual(["content", "embeds"]);
  });

  it("admits 10 embeds and refuses 11", () => {
    const embeds = (n: number) => Array.from({ length: n }, () => ({ title: "t" }));
    expect(parseMessageCreate({ embeds: embeds(MESSAGE_LIMITS.embeds) }).embeds).toHaveLength(10);
    expect(fieldErrors(() => parseMessageCreate({ embeds: embeds(11) }), ["embeds"])).toEqual([
      { code: "BASE_TYPE_MAX_LENGTH", message: "Must be 10 or fewer in length." },
    ]);
  });

  it.each([
    { field: "title", limit: EMBED_LIMITS.title, embed: (s: string) => ({ title: s }), path: ["title"] },
    {
      field: "description",
      limit: EMBED_LIMITS.description,
      embed: (s: string) => ({ description: s }),
      path: ["description"],
    },
    {
      field: "footer.text",
      limit: EMBED_LIMITS.footerText,
      embed: (s: string) => ({ footer: { text: s } }),
      path: ["footer", "text"],
    },
    {
      field: "author.name",
      limit: EMBED_LIMITS.authorName,
      embed: (s: string) => ({ author: { name: s } }),
      path: ["author", "name"],
    },
    {
      field: "fields[].name",
      limit: EMBED_LIMITS.fieldName,
      embed: (s: string) => ({ fields: [{ name: s, value: "v" }] }),
      path: ["fields", 0, "name"],
    },
    {
      field: "fields[].value",
      limit: EMBED_LIMITS.fieldValue,
      embed: (s: string) => ({ fields: [{ name: "n", value: s }] }),
      path: ["fields", 0, "value"],
    },
  ])("embed $field: $limit characters pass, one more fails", ({ limit, embed, path }) => {
    expect(parseMessageCreate({ embeds: [embed(text(limit))] }).embeds).toHaveLength(1);
    expect(
      fieldErrors(() => parseMessageCreate({ embeds: [embed(text(limit + 1))] }), ["embeds", 0, ...path]),
    ).toEqual([{ code: "BASE_TYPE_MAX_LENGTH", message: `Must be ${limit} or fewer in length.` }]);
  });

  it("requires a name and value on every embed field, and admits 25 fields but not 26", () => {
    expect(
      fieldErrors(
        () => parseMessageCreate({ embeds: [{ fields: [{ name: "n" }] }] }),
        ["embeds", 0, "fields", 0, "value"],
      ),
    ).toEqual([{ code: "BASE_TYPE_REQUIRED", message: "This field is required" }]);
    const fields = (n: number) => Array.from({ length: n }, () => ({ name: "n", value: "v" }));
    expect(parseMessageCreate({ embeds: [{ fields: fields(25) }] }).embeds).toHaveLength(1);
    expect(
      fieldErrors(
        () => parseMessageCreate({ embeds: [{ fields: fields(26) }] }),
        ["embeds", 0, "fields"],
      )?.[0].code,
    ).toBe("BASE_TYPE_MAX_LENGTH");
  });

  it("admits 6000 embed characters across all embeds and refuses 6001", () => {
    const pair = (second: number) => [{ description: text(3000) }, { description: text(second) }];
    expect(parseMessageCreate({ embeds: pair(3000) }).embeds).toHaveLength(2);
    expect(fieldErrors(() => parseMessageCreate({ embeds: pair(3001) }), ["embeds"])).toEqual([
      { code: "MAX_EMBED_SIZE_EXCEEDED", message: "Embed size exceeds maximum size of 6000" },
    ]);
  });

  it("admits 5 action rows, and 40 components with IS_COMPONENTS_V2, but not one more", () => {
    const rows = (n: number) => Array.from({ length: n }, () => ({ type: 1, components: [] }));
    const v2 = MessageFlags.IsComponentsV2;
    expect(parseMessageCreate({ components: rows(5) }).components).toHaveLength(5);
    expect(fieldErrors(() => parseMessageCreate({ components: rows(6) }), ["components"])?.[0].message).toBe(
      "Must be 5 or fewer in length.",
    );
    expect(parseMessageCreate({ components: rows(40), flags: v2 }).components).toHaveLength(40);
    expect(
      fieldErrors(() => parseMessageCreate({ components: rows(41), flags: v2 }), ["components"])?.[0].message,
    ).toBe("Must be 40 or fewer in length.");
  });
});

describe("command bodies", () => {
  const chat = (fields: Record<string, unknown>) => ({ name: "ping", description: "Pong!", ...fields });

  it.each(["a", text(32), "café", "नमस्ते", "it's-a_name2"])("accepts the CHAT_INPUT name %j", (name) => {
    expect(parseCommand(chat({ name })).name).toBe(name);
  });

  it.each([
    ["", "BASE_TYPE_BAD_LENGTH"],
    [text(33), "BASE_TYPE_BAD_LENGTH"],
    ["two words", "STRING_TYPE_REGEX"],
    ["Ping", "APPLICATION_COMMAND_INVALID_NAME"],
    [undefined, "BASE_TYPE_REQUIRED"],
  ])("refuses the CHAT_INPUT name %j with %s", (name, code) => {
    expect(fieldErrors(() => parseCommand(chat({ name })), ["name"])?.[0].code).toBe(code);
  });

  it("admits descriptions of 1 to 100 characters only", () => {
    expect(parseCommand(chat({ description: "x" })).description).toBe("x");
    expect(parseCommand(chat({ description: text(100) })).description).toHaveLength(100);
    for (const description of ["", text(101)]) {
      expect(fieldErrors(() => parseCommand(chat({ description })), ["description"])).toEqual([
        { code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 100 in length." },
      ]);
    }
  });

  it("lets USER and MESSAGE commands use mixed case and spaces, with an empty description", () => {
    expect(parseCommand({ type: ApplicationCommandType.User, name: "Show Card" })).toEqual({
      type: ApplicationCommandType.User,
      name: "Show Card",
      description: "",
    });
    expect(
      fieldErrors(() => parseCommand({ type: ApplicationCommandType.Message, name: text(33) }), ["name"])?.[0]
        .code,
    ).toBe("BASE_TYPE_BAD_LENGTH");
  });

  it("refuses an unknown command type", () => {
    expect(fieldErrors(() => parseCommand(chat({ type: 9 })), ["type"])).toEqual([
      { code: "BASE_TYPE_CHOICES", message: "Value must be one of {1, 2, 3, 4}." },
    ]);
  });

  it("admits 25 options and 25 choices but not 26, and checks nested subcommand options", () => {
    const option = (i: number) => ({ type: 3, name: `o${i}`, description: "d" });
    const options = (n: number) => Array.from({ length: n }, (_, i) => option(i));
    expect(parseCommand(chat({ options: options(25) })).options).toHaveLength(25);
    expect(fieldErrors(() => parseCommand(chat({ options: options(26) })), ["options"])?.[0].code).toBe(
      "BASE_TYPE_MAX_LENGTH",
    );
    const choices = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, value: `${i}` }));
    expect(parseCommand(chat({ options: [{ ...option(0), choices: choices(25) }] })).options).toHaveLength(1);
    expect(
      fieldErrors(
        () => parseCommand(chat({ options: [{ ...option(0), choices: choices(26) }] })),
        ["options", 0, "choices"],
      )?.[0].code,
    ).toBe("BASE_TYPE_MAX_LENGTH");
    const subcommand = {
      type: 1,
      name: "sub",
      description: "d",
      options: [{ type: 3, name: "Bad", description: "d" }],
    };
    expect(
      fieldErrors(
        () => parseCommand(chat({ options: [subcommand] })),
        ["options", 0, "options", 0, "name"],
      )?.[0].code,
    ).toBe("APPLICATION_COMMAND_INVALID_NAME");
  });

  it("a PUT body must be a list, and names must be unique per type", () => {
    expect(fieldErrors(() => parseCommandList({}), [])?.[0].code).toBe("LIST_TYPE_CONVERT");
    expect(fieldErrors(() => parseCommandList([chat({}), chat({})]), [])).toEqual([
      { code: "APPLICATION_COMMANDS_DUPLICATE_NAME", message: "Application command names must be unique" },
    ]);
    // The same name as a USER command is a different command.
    expect(parseCommandList([chat({}), { type: 2, name: "ping" }])).toHaveLength(2);
  });

  it("reports errors by index in a list", () => {
    expect(
      fieldErrors(() => parseCommandList([chat({}), chat({ name: "Bad" })]), [1, "name"])?.[0].code,
    ).toBe("APPLICATION_COMMAND_INVALID_NAME");
  });
});

describe("command registry", () => {
  const scope = { applicationId: "100000000000000001", guildId: null };
  function ids() {
    let n = 0;
    return () => String(200000000000000000n + BigInt(++n));
  }
  const input = (name: string, description = "d", type = ApplicationCommandType.ChatInput): CommandInput => ({
    type,
    name,
    description,
  });

  it("keeps a command's id across overwrites, and bumps its version only when it changes", () => {
    const nextId = ids();
    const first = overwriteCommands([], [input("a"), input("b")], scope, nextId);
    expect(first.map((c) => c.name)).toEqual(["a", "b"]);
    expect(first[0]).toMatchObject({ application_id: scope.applicationId, type: 1, integration_types: [0] });
    const second = overwriteCommands(first, [input("a"), input("b", "changed"), input("c")], scope, nextId);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toMatchObject({ id: first[1]!.id, description: "changed" });
    expect(second[1]!.version).not.toBe(first[1]!.version);
    expect(second[2]!.id).not.toBe(first[0]!.id);
    // Commands left out of a PUT are deleted.
    expect(overwriteCommands(second, [input("c")], scope, nextId).map((c) => c.id)).toEqual([second[2]!.id]);
  });

  it("stores guild commands with guild_id and without installation contexts", () => {
    const [command] = overwriteCommands([], [input("a")], { ...scope, guildId: "300000000000000001" }, ids());
    expect(command).toMatchObject({ guild_id: "300000000000000001" });
    expect(command).not.toHaveProperty("integration_types");
  });

  it.each([
    [ApplicationCommandType.ChatInput, 100],
    [ApplicationCommandType.User, 15],
    [ApplicationCommandType.Message, 15],
    [ApplicationCommandType.PrimaryEntryPoint, 1],
  ])("type %i admits %i commands and refuses one more with 30032", (type, limit) => {
    expect(COMMAND_LIMITS[type]).toBe(limit);
    const list = (n: number) => Array.from({ length: n }, (_, i) => input(`c${i}`, "d", type));
    expect(overwriteCommands([], list(limit), scope, ids())).toHaveLength(limit);
    expect(failure(() => overwriteCommands([], list(limit + 1), scope, ids()))).toEqual({
      status: 400,
      code: 30032,
      message: `Maximum number of application commands reached (${limit})`,
    });
  });

  it("upsert creates, then updates the command of the same type and name in place", () => {
    const nextId = ids();
    const created = upsertCommand([], input("a"), scope, nextId);
    expect(created.created).toBe(true);
    const updated = upsertCommand(created.commands, input("a", "new"), scope, nextId);
    expect(updated).toMatchObject({
      created: false,
      command: { id: created.command.id, description: "new" },
    });
    expect(updated.commands).toHaveLength(1);
  });

  it("upsert refuses a new command past the limit but still updates an existing one", () => {
    const nextId = ids();
    const full = overwriteCommands(
      [],
      Array.from({ length: 100 }, (_, i) => input(`c${i}`)),
      scope,
      nextId,
    );
    expect(failure(() => upsertCommand(full, input("one-more"), scope, nextId)).code).toBe(30032);
    expect(upsertCommand(full, input("c0", "new"), scope, nextId).created).toBe(false);
  });
});
