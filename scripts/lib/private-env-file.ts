import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Settings handed to a child process through a file only this user can read, never its command line:
 * every local user can read any process's arguments (/proc/<pid>/cmdline, `ps`). The file is the only
 * one in a fresh mkdtemp directory (mode 0700), itself 0600, in dotenv syntax (what `wrangler dev
 * --env-file` reads); remove() deletes both.
 *
 * wrangler (4.164) reads it with dotenv 16's parse and then dotenv-expand 12, which expands `$NAME`
 * and `${...}` even inside single quotes, skips a `$` with a backslash before it, and finally turns
 * every `\$` into `$` and nothing else. Writing each `$` as `\$` is therefore read back exactly, a
 * backslash already before a `$` included (`\$` → `\\$` → `\$`).
 */
export interface PrivateEnvFile {
  path: string;
  remove(): void;
}

export function writePrivateEnvFile(vars: Record<string, string>): PrivateEnvFile {
  const lines = Object.entries(vars).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new Error(`setting name ${JSON.stringify(name)} is not a variable name`);
    // Single quotes make dotenv's parse take the value literally ("#" included), but it has no
    // escape for a quote or a line break inside them, and it takes a backslash before the closing
    // quote as escaping it, reading on into the next line. The value is never in the message.
    if (/['\r\n]/.test(value)) throw new Error(`setting ${name} contains a single quote or a line break`);
    if (value.endsWith("\\")) throw new Error(`setting ${name} ends in a backslash`);
    return `${name}='${value.replaceAll("$", "\\$")}'\n`;
  });
  const dir = mkdtempSync(join(tmpdir(), "porchlight-env-"));
  const path = join(dir, ".env");
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    writeFileSync(path, lines.join(""), { mode: 0o600, flag: "wx" });
  } catch (error) {
    remove();
    throw error;
  }
  return { path, remove };
}
