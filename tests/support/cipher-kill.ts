// Helpers of the cipher migration and rekey kill tests: a till folder copied with its secret store
// entries under a fresh service (so each round starts from the same state), and the child process
// (tests/fixtures/cipher-kill-child.ts) run until it finishes or is SIGKILLed.
import { spawn } from 'node:child_process';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { createAuditLog } from '../../src/main/audit/audit-log';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { KEK_LABELS, kekAccount } from '../../src/main/keychain/key-wrapping';
import type { Keychain } from '../../src/main/keychain/keychain';
import { createTestKeychain, type TestKeychain } from './keychain';
import { makeTempDir } from './temp-dir';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = 'tests/fixtures/cipher-kill-child.ts';
const LOADER = './tests/support/ts-child-loader.mjs';

/** Every secret store entry a till's install may have. */
export function installAccounts(installId: string): string[] {
  return [...Object.values(secretAccounts(installId)), ...KEK_LABELS.map((label) => kekAccount(installId, label))];
}

export interface TillCopy {
  dir: string;
  keychain: TestKeychain;
  remove(): Promise<void>;
}

/** A copy of `fromDir` whose secret store entries are copied from `from` into a new test service. */
export async function copyTill(fromDir: string, from: Keychain, installId: string): Promise<TillCopy> {
  const dir = makeTempDir('loyalty-cipher-kill-');
  cpSync(fromDir, dir.path, { recursive: true });
  const keychain = await createTestKeychain();
  for (const account of installAccounts(installId)) {
    const value = await from.get(account);
    if (value !== null) await keychain.keychain.set(account, value);
  }
  return {
    dir: dir.path,
    keychain,
    remove: async () => {
      await keychain.cleanup();
      dir.remove();
    },
  };
}

export interface ChildRun {
  killed: boolean;
  /** From the first step to the exit. */
  stepsMs: number;
  /** When each step was reported, in ms after the first. */
  stepAt: Record<string, number>;
  steps: string[];
  exitCode: number | null;
  stderr: string;
}

/**
 * Runs the child; with `killAfterMs` the parent SIGKILLs it that long after the child reported its
 * first step (process start-up and the secret store's answer are not what the test is about).
 */
export function runChild(
  mode: 'open' | 'rekey' | 'wipe',
  till: TillCopy,
  dieAt: string | null,
  killAfterMs: number | null = null,
): Promise<ChildRun> {
  const child = spawn(
    process.execPath,
    ['--no-warnings', '--import', LOADER, CHILD, mode, till.dir, till.keychain.service, dieAt ?? '-'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let timer: NodeJS.Timeout | null = null;
  let firstStepAt: number | null = null;
  const stepAt: Record<string, number> = {};
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (firstStepAt === null && stdout.includes('STEP ')) firstStepAt = Date.now();
    for (const match of chunk.toString().matchAll(/^STEP (\S+)$/gm))
      stepAt[match[1] ?? ''] = Date.now() - (firstStepAt ?? 0);
    if (killAfterMs !== null && timer === null && stdout.includes('STEP ')) {
      timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        killed: signal === 'SIGKILL',
        stepsMs: firstStepAt === null ? 0 : Date.now() - firstStepAt,
        stepAt,
        steps: stdout
          .split('\n')
          .filter((line) => line.startsWith('STEP '))
          .map((line) => line.slice(5)),
        exitCode: code,
        stderr,
      });
    });
  });
}

export function auditVerifies(db: Database, auditKey: string): boolean {
  return createAuditLog({ db, key: auditKey, now: () => new Date() }).verify().ok;
}
