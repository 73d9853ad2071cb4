#!/usr/bin/env node
// npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE]
// npm run hq -- [--data-dir DIR] COMMAND …   (create-store, issue-pairing-code, revoke-device, add-staff,
//   set-staff-status, reset-staff-pin, load-catalog, request-erasure, list-overdrafts, list-rejected: see packages/hq/src/main.ts)
// Builds if needed, then runs the reference HQ server (packages/hq/src/main.ts). Prints HQ_URL and HQ_CERT_SHA256.
// On PGlite (no DATABASE_URL) a command run while the server runs on the same --data-dir goes through the
// server (its loopback admin endpoint); one run while another command holds the folder refuses (exit 2).
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
