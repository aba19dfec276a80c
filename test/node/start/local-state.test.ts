import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { prepareLocalState } from "../../../scripts/lib/local-state.ts";

/** npm start's local state on a real file system: kept by default, emptied by --fresh, never more. */

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A directory as an earlier `npm start` left it: wrangler's v3/ with a stored object in it. */
function earlierState(): string {
  const dir = mkdtempSync(join(tmpdir(), "porchlight-state-"));
  dirs.push(dir);
  mkdirSync(join(dir, "v3", "do"), { recursive: true });
  writeFileSync(join(dir, "v3", "do", "object.sqlite"), "");
  return dir;
}

describe("prepareLocalState", () => {
  it("keeps what an earlier run stored, and answers the absolute path", () => {
    const dir = earlierState();
    expect(prepareLocalState(relative(process.cwd(), dir), { fresh: false })).toBe(dir);
    expect(existsSync(join(dir, "v3", "do", "object.sqlite"))).toBe(true);
  });

  it("with fresh, empties it and leaves the directory", () => {
    const dir = earlierState();
    expect(prepareLocalState(dir, { fresh: true })).toBe(dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("creates a directory that does not exist yet", () => {
    const dir = join(earlierState(), "new", "state");
    prepareLocalState(dir, { fresh: true });
    expect(existsSync(dir)).toBe(true);
  });

  it("never empties a directory holding anything wrangler did not write", () => {
    const dir = earlierState();
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect(() => prepareLocalState(dir, { fresh: true })).toThrow(
      /holds more than wrangler's state \(notes\.txt\)/,
    );
    expect(existsSync(join(dir, "notes.txt"))).toBe(true);
    expect(existsSync(join(dir, "v3", "do", "object.sqlite"))).toBe(true);
  });
});
