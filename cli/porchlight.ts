#!/usr/bin/env node
// `npx porchlight …` (package.json "bin"). Node 24, which npm puts first on PATH for this
// project, runs this TypeScript directly by stripping its types.
import { processIo } from "./io.ts";
import { main } from "./main.ts";

process.exitCode = await main(process.argv.slice(2), processIo());
