#!/usr/bin/env node
// npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE] [--public-url URL]
// npm run hq -- [--data-dir DIR] COMMAND …   (create-admin, create-store, issue-pairing-code, add-staff, load-catalog,
//   list-overdrafts, export-audit, …: `npm run hq -- --help`, packages/hq/src/admin/cli.ts)
// Builds if needed, then runs the reference HQ server and its console (packages/hq/src/main.ts). Prints HQ_URL,
// HQ_CERT_SHA256 and HQ_CONSOLE. A command is a client of the running HQ's console API: create-admin once with the
// data folder's bootstrap token, every other command with an operator's API token in LOYALTY_HQ_TOKEN.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed.mjs';

buildIfNeeded({ quiet: true });
const ROOT = new URL('..', import.meta.url).pathname;
const child = spawn(process.execPath, [join(ROOT, 'packages/hq/dist/hq.js'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
