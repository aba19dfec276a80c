// `npm install`'s last word about Node (package.json's postinstall). npm checks every package's
// `engines` against the Node that runs npm itself, often the system's Node 20, and prints an
// EBADENGINE warning for each package that wants a newer one: warnings that read like a failed
// install. They are not one: the project brings its own Node (the devDependency `node`),
// and npm puts it first on the PATH of every script and npx command. This says so, after them.
//
// Plain JavaScript, not TypeScript: npm runs it under whichever `node` its PATH finds first, which
// is the project's own when that installed and the system's (perhaps too old to strip types) when
// it did not, and an install must never fail for a message.

import { readFileSync } from "node:fs";

const { devDependencies } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
/** The Node the project brings, as package.json pins it. */
const projectNode = devDependencies.node;
const projectMajor = Number(projectNode.split(".")[0]);
const runningNode = process.versions.node;
const runningMajor = Number(runningNode.split(".")[0]);
// npm's user agent names the Node running npm: "npm/11.19.1 node/v20.20.2 linux x64 …".
const npmNode = /\bnode\/v(\d+)\.\d+\.\d+/.exec(process.env.npm_config_user_agent ?? "");
const npmNodeVersion = npmNode ? npmNode[0].slice("node/v".length) : null;
const npmMajor = npmNode ? Number(npmNode[1]) : null;
const npmNodePath = process.env.npm_node_execpath ?? "node";

if (runningMajor !== projectMajor) {
  // The devDependency did not land on PATH: scripts would run on this Node and fail later.
  console.log(
    [
      `porchlight: scripts run on Node ${runningNode}, not the project's own Node ${projectNode} (the devDependency`,
      "`node`, node_modules/.bin/node), which did not install: remove node_modules and run",
      "`npm install` again (with npm 11, whose allowScripts lets the `node` package install itself).",
    ].join("\n"),
  );
} else if (npmMajor !== null && npmMajor < projectMajor) {
  console.log(
    [
      `porchlight: npm ran on Node ${npmNodeVersion} (${npmNodePath}); the EBADENGINE warnings above are`,
      "packages asking npm for a newer Node. They are expected and harmless: the project brings its",
      `own Node ${projectNode} (the devDependency \`node\`, node_modules/.bin/node), and every npm script`,
      "and npx command runs under it. Nothing else to install: next, `npm test` or `npm start`.",
    ].join("\n"),
  );
}
