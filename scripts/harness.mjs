#!/usr/bin/env node
// npm run harness -- --data-dir DIR [--port N]
// Builds the app if needed, then serves the real renderer and binds the real router to 127.0.0.1.
// Prints HARNESS_URL=<url> once ready. See docs/ARCHITECTURE.md ("Test harness").
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed.mjs';

buildIfNeeded({ quiet: true });
const ROOT = new URL('..', import.meta.url).pathname;
const child = spawn(process.execPath, [join(ROOT, 'out/main/harness.js'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
