import { readFileSync } from "node:fs";
import { parse } from "smol-toml";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { isWorkerSetting, WORKER_SETTINGS, workerSettingsIn } from "../../../scripts/lib/worker-settings.ts";

/**
 * `npm start` hands the Worker every setting it reads, so its list must be the Worker's: each string
 * member of settings/env.ts's Env (bindings are not settings) and each of wrangler.toml's [vars].
 * Read from the sources themselves, so a setting added there without being added here fails.
 */

/** The names of Env's members typed `string` (optional or not), read with the TypeScript parser. */
function envStringSettings(): string[] {
  const source = ts.createSourceFile(
    "env.ts",
    readFileSync("settings/env.ts", "utf8"),
    ts.ScriptTarget.Latest,
  );
  const env = source.statements.find(
    (statement): statement is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(statement) && statement.name.text === "Env",
  );
  if (!env) throw new Error("settings/env.ts declares no interface Env");
  return env.members.flatMap((member) =>
    ts.isPropertySignature(member) && member.type?.kind === ts.SyntaxKind.StringKeyword
      ? [(member.name as ts.Identifier).text]
      : [],
  );
}

function wranglerVars(): string[] {
  const config = parse(readFileSync("wrangler.toml", "utf8")) as { vars?: Record<string, unknown> };
  return Object.keys(config.vars ?? {});
}

describe("the Worker settings npm start passes through", () => {
  it("are every string setting of Env and every [vars] entry, and nothing else", () => {
    const read = [...new Set([...envStringSettings(), ...wranglerVars()])];
    expect(read.length).toBeGreaterThan(10);
    expect(read.filter((name) => !isWorkerSetting(name))).toEqual([]);
    // No stale names: every listed one is still read.
    expect(WORKER_SETTINGS.filter((name) => !read.includes(name))).toEqual([]);
  });

  it("takes each one set from the environment, and only those", () => {
    const env = {
      CACHE_TTL_SECONDS: "0",
      PROXY_BOTS: '{"a": {}}',
      RUNNER_SHARD_COUNT: "2",
      // Empty is unset; npm start's own settings and the rest of the environment stay out.
      PUBLIC_ORIGIN: "",
      PORT: "8787",
      PROXY_KEY: "plk_x",
      RUNNER_: "no name after the prefix",
      HOME: "/root",
    };
    expect(workerSettingsIn(env)).toEqual({
      CACHE_TTL_SECONDS: "0",
      PROXY_BOTS: '{"a": {}}',
      RUNNER_SHARD_COUNT: "2",
    });
    const everyOne = Object.fromEntries(WORKER_SETTINGS.map((name) => [name, `value of ${name}`]));
    expect(workerSettingsIn(everyOne)).toEqual(everyOne);
  });
});
