#!/usr/bin/env node
// npm start: runs Loyalty Desk in Electron.
// 1. makes sure the Electron binary is present (downloads it on first run),
// 2. (nothing: the encrypted SQLite module is N-API and prebuilt, so Electron loads the npm copy),
// 3. builds the app if sources changed, and 4. launches it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildIfNeeded } from './build-if-needed.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const electronDir = join(ROOT, 'node_modules', 'electron');
const electronVersion = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;

function fail(lines) {
  console.error(`\n${lines.join('\n')}\n`);
  process.exit(1);
}

function electronBinary() {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const names = ['electron', 'electron.exe', 'Electron.app/Contents/MacOS/Electron'];
    return names.map((name) => join(override, name)).find((path) => existsSync(path)) ?? null;
  }
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

// 1. The Electron binary is not in the npm package; Electron's own installer fetches it.
let binary = electronBinary();
if (!binary) {
  console.log(`Downloading Electron ${electronVersion} for ${process.platform}-${process.arch} (first run only)…`);
  const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
  binary = install.status === 0 ? electronBinary() : null;
  if (!binary) {
    fail([
      `Loyalty Desk could not obtain the Electron ${electronVersion} binary for ${process.platform}-${process.arch}.`,
      "npm start downloads it once from Electron's release server, and that download failed (see the error above).",
      'To fix it, one of:',
      '  • connect to the internet and run `npm start` again;',
      '  • behind a proxy: set HTTPS_PROXY (and ELECTRON_GET_USE_PROXY=1), then run `npm start`;',
      '  • with an internal mirror: set ELECTRON_MIRROR=<mirror URL>, then run `npm start`;',
      '  • with an Electron build already on disk: set ELECTRON_OVERRIDE_DIST_PATH=<folder containing the electron executable>.',
      'Without Electron you can still run the real app in a browser: npm run harness -- --data-dir ./.harness-data',
    ]);
  }
}

// 2. better-sqlite3-multiple-ciphers 13 is an N-API module with prebuilt binaries in its npm package,
// like @napi-rs/keyring: the same file loads in Node and in Electron, so nothing is rebuilt here.

// 3. Build.
buildIfNeeded();

// 4. The demo HQ: an embedded HQ server (PGlite in .demo/hq) with a demo store, its catalogue, the
// demo staff and 2,000 synthetic members, and a fresh pairing code for the till. The till's data
// lives in .demo/till, so `rm -rf .demo` starts the whole demo over.
const DEMO = join(ROOT, '.demo');
mkdirSync(join(DEMO, 'till'), { recursive: true });
const hq = spawn(
  process.execPath,
  [join(ROOT, 'packages/hq/dist/hq.js'), '--data-dir', join(DEMO, 'hq'), '--port', '0', '--demo'],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, HQ_LOG_LEVEL: 'warn' } },
);
const hqInfo = await new Promise((resolve) => {
  let out = '';
  const timer = setTimeout(() => resolve(null), 120_000);
  hq.stdout.on('data', (chunk) => {
    out += chunk.toString();
    if (/^EXPIRES_AT=/m.test(out)) {
      clearTimeout(timer);
      resolve(Object.fromEntries([...out.matchAll(/^([A-Z_0-9]+)=(.*)$/gm)].map((m) => [m[1], m[2]])));
    }
  });
  hq.on('exit', () => resolve(null));
});

const env = { ...process.env, LOYALTY_USER_DATA_DIR: join(DEMO, 'till') };
delete env.ELECTRON_RUN_AS_NODE;
if (hqInfo) {
  hq.stdout.resume();
  const staff = JSON.parse(readFileSync(join(ROOT, 'resources/demo/staff.json'), 'utf8')).staff;
  console.log(`\nLoyalty Desk demo: HQ at ${hqInfo.HQ_URL}, certificate SHA-256 ${hqInfo.HQ_CERT_SHA256}`);
  console.log(
    `HQ console: ${hqInfo.HQ_CONSOLE} (accept its self-signed certificate once; compare the fingerprint above)`,
  );
  if (hqInfo.DEMO_ADMIN_ENROLMENT_URL) {
    console.log(
      `Set up the demo chain admin with your authenticator app (one-time link): ${hqInfo.DEMO_ADMIN_ENROLMENT_URL}`,
    );
  }
  console.log('The till pairs with it on first start. Sign in as (public demo PINs: never on a real till):');
  for (const s of staff) console.log(`  ${s.displayName.padEnd(16)} ${s.role.padEnd(8)} PIN ${s.pin}`);
  console.log('');
  Object.assign(env, {
    LOYALTY_HQ_URL: hqInfo.HQ_URL,
    LOYALTY_HQ_CERT_SHA256: hqInfo.HQ_CERT_SHA256,
    LOYALTY_PAIRING_CODE: hqInfo.PAIRING_CODE,
  });
} else {
  // Without HQ the till still runs standalone, with demo members of its own.
  console.error('The demo HQ did not start (see above); the till runs standalone with local demo data.');
  env.LOYALTY_DEMO = '1';
}
// Asynchronous, so this process keeps reading HQ's output while the till runs.
const till = spawn(binary, [ROOT, ...process.argv.slice(2)], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => till.kill(signal));
till.on('exit', (code) => {
  hq.kill('SIGTERM');
  process.exit(code ?? 1);
});
