import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * The client runs unchanged in browsers, Node and Workers because it uses nothing but fetch,
 * WebSocket and the language: no node: module, and no package at run time. Types from schemas/
 * and discord-api-types are erased when it runs, so zod never ships with it; the one schemas/
 * module it imports for real (the proxy's error table) must itself import nothing but types.
 */

const ROOT = resolve(import.meta.dirname, "../../..");
const CLIENT = join(ROOT, "client");
const sources = readdirSync(CLIENT).filter((name) => name.endsWith(".ts"));

/** Every import or re-export that stays in the code at run time (not `import type`/`export type`). */
function runtimeSpecifiers(source: string): string[] {
  const statements = source.match(/^(?:import|export)\s[^;]*?\sfrom\s+"[^"]+";/gms) ?? [];
  return statements
    .filter((statement) => !/^(?:import|export)\s+type\s/.test(statement))
    .map((statement) => /from\s+"([^"]+)"/.exec(statement)![1]!);
}

/** Every file the client loads at run time, following its imports from index.ts. */
function runtimeFiles(): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const specifiers = runtimeSpecifiers(readFileSync(file, "utf8"));
    files.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
    }
  };
  visit(join(CLIENT, "index.ts"));
  return files;
}

describe("client/ is portable", () => {
  it("loads nothing at run time but its own modules and zod-free schemas", () => {
    const files = runtimeFiles();
    for (const name of sources) expect([...files.keys()]).toContain(join(CLIENT, name));
    for (const [file, specifiers] of files) {
      expect(relative(ROOT, file)).toMatch(/^(client|schemas)\/[\w-]+\.ts$/);
      for (const specifier of specifiers)
        expect(specifier, relative(ROOT, file)).toMatch(/^\.\.?\/[\w/-]+\.ts$/);
    }
  });

  for (const name of sources) {
    it(`${name} needs no Node built-in`, () => {
      const source = readFileSync(join(CLIENT, name), "utf8");
      expect(source).not.toMatch(/\bfrom\s+"node:/);
      expect(source).not.toMatch(/\brequire\(/);
    });
  }
});

/**
 * Typechecks the client alone against another platform's globals instead of Node's: a browser's
 * (the DOM library) or workerd's (@cloudflare/workers-types), whose timers and fetch differ.
 */
async function typecheckAgainst(compilerOptions: Record<string, unknown>): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "porchlight-client-tsc-"));
  try {
    const config = join(dir, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(ROOT, "tsconfig.base.json"),
        include: [join(CLIENT, "index.ts")],
        compilerOptions,
      }),
    );
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    return await promisify(execFile)(process.execPath, [tsc, "-p", config]).then(
      () => "",
      (error: { stdout: string }) => error.stdout || String(error),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("client/ typechecks without Node's globals", () => {
  it("in a browser", async () => {
    expect(await typecheckAgainst({ lib: ["es2023", "dom"], types: [] })).toBe("");
  });

  it("in a Worker", async () => {
    const types = [join(ROOT, "node_modules/@cloudflare/workers-types")];
    expect(await typecheckAgainst({ lib: ["es2023"], types })).toBe("");
  });
});
