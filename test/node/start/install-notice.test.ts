import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * scripts/install-notice.js, npm install's postinstall, run as npm runs it: under the `node` its
 * PATH finds first, with npm's user agent naming the Node that runs npm.
 */

const agent = (nodeVersion: string) => `npm/11.19.1 node/${nodeVersion} linux x64 workspaces/false`;

function notice(nodeBinary: string, npmNodeVersion: string): string {
  return execFileSync(nodeBinary, ["scripts/install-notice.js"], {
    env: { ...process.env, npm_config_user_agent: agent(npmNodeVersion), npm_node_execpath: "/usr/bin/node" },
    encoding: "utf8",
  });
}

/** A system Node older than the project's, as on the machines the README was written on. */
const SYSTEM_NODE = "/usr/bin/node";
const systemNodeIsOld =
  existsSync(SYSTEM_NODE) &&
  Number(execFileSync(SYSTEM_NODE, ["-p", "process.versions.node.split('.')[0]"], { encoding: "utf8" })) < 22;

describe("npm install's notice about Node", () => {
  it("after an install by npm on an older Node, says its warnings are expected and which Node runs", () => {
    const text = notice(process.execPath, "v20.20.2");
    expect(text).toContain("npm ran on Node 20.20.2 (/usr/bin/node)");
    expect(text).toContain("EBADENGINE warnings above");
    expect(text).toContain("expected and harmless");
    expect(text).toContain(`own Node ${process.versions.node} (the devDependency \`node\``);
  });

  it("says nothing when npm itself ran on the project's Node", () => {
    expect(notice(process.execPath, `v${process.versions.node}`)).toBe("");
  });

  it.skipIf(!systemNodeIsOld)(
    "runs on the old system Node too, and says the project's Node is missing",
    () => {
      const text = notice(SYSTEM_NODE, "v20.20.2");
      expect(text).toMatch(/not the project.s own Node 24\.\d+\.\d+/);
      expect(text).toContain("did not install");
    },
  );
});
