import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/main/audit/audit-log';
import { KEY_INFO_FILE, openDeviceDatabase } from '../../src/main/db/open-device-database';
import { secretAccounts } from '../../src/main/keychain/device-secrets';
import { openOsKeychain } from '../../src/main/keychain/keychain';
import { CURRENT_NOTICE_VERSION } from '../../src/main/privacy/notices';
import { withCheckDigit } from '../../src/shared/members/card-number';
import { makeTempDir } from '../support/temp-dir';
import { prng } from '../support/prng';

/**
 * Crash safety of counter writes (DESIGN §3, §5): the harness (the app's main process without
 * Electron) is SIGKILLed at seeded random moments while many earn, redeem and enrol calls are in
 * flight. After each kill the encrypted database is opened again and must hold every write whole
 * or not at all: ledger ↔ audit ↔ outbox, member ↔ consents ↔ audit ↔ outbox, a gapless outbox seq,
 * an intact audit chain, every acknowledged write, and no op twice. KILL_TEST_SEED replays a run.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HARNESS = join(ROOT, 'out/main/harness.js');
const SEED = Number(process.env.KILL_TEST_SEED ?? 20261124);
const ROUNDS = Number(process.env.KILL_TEST_ROUNDS ?? 5);
const WORKERS = 16;
const KEYCHAIN_SERVICE = `Loyalty Desk (kill test ${randomUUID()})`;
const CARL = { staffId: 'demo-carl', pin: '582047' };
const MIA = { staffId: 'demo-mia', pin: '731946' };
const DEMO_CARDS: string[] = (
  JSON.parse(readFileSync(join(ROOT, 'resources/demo/members.json'), 'utf8')) as {
    members: { cardNumber: string }[];
  }
).members.map((m) => m.cardNumber);
/** Demo members with enough confirmed points that a coffee (150) redeem usually goes through. */
const RICH_CARDS = ['6004990000016', '6004990000065', '6004990000081', '6004990000115', '6004990000032'];

/**
 * The harness bundle is rebuilt only if missing or older than the main-process sources it is built
 * from. electron-vite writes main before renderer, so a renderer that fails to build (work in
 * progress elsewhere) does not stop this test, which needs only out/main.
 */
function ensureHarnessBuilt(): void {
  const newest = (path: string): number => {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), stat.mtimeMs);
  };
  const sources = ['src/main', 'src/shared', 'src/harness'].map((p) => join(ROOT, p));
  const stale = () => !existsSync(HARNESS) || Math.max(...sources.map(newest)) > statSync(HARNESS).mtimeMs;
  if (!stale()) return;
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (stale()) throw new Error(`electron-vite build did not produce a fresh harness:\n${build.stderr}`);
}

type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: string; details?: unknown } };

interface Harness {
  child: ChildProcess;
  exited: Promise<void>;
  call(channel: string, payload: unknown): Promise<IpcResult>;
  stderr(): string;
}

/** Harness processes still alive, so a failed assertion never leaves one behind. */
const running = new Set<ChildProcess>();

async function startHarness(dataDir: string): Promise<Harness> {
  const child = spawn(process.execPath, [HARNESS, '--data-dir', dataDir, '--demo', '--pin-delay-scale', '0'], {
    env: { ...process.env, LOYALTY_KEYCHAIN_SERVICE: KEYCHAIN_SERVICE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /HARNESS_URL=(\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`harness exited ${code}: ${stderr}`)));
  });
  const { origin, hash } = new URL(url);
  const token = new URLSearchParams(hash.slice(1)).get('token')!;
  const call = async (channel: string, payload: unknown): Promise<IpcResult> => {
    const res = await fetch(`${origin}/__harness/ipc/${channel}`, {
      method: 'POST',
      headers: { origin, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(15_000),
    });
    return (await res.json()) as IpcResult;
  };
  return { child, exited, call, stderr: () => stderr };
}

async function login(app: Harness, who: { staffId: string; pin: string }): Promise<void> {
  const result = await app.call('session.login', who);
  if (!result.ok) throw new Error(`login ${who.staffId} failed: ${result.error.code} ${app.stderr()}`);
}

type Write =
  | { kind: 'earn'; key: string; request: { memberId: string; amountMinor: number; reference: string } }
  | { kind: 'redeem'; key: string; request: { memberId: string; rewardId: string } }
  | { kind: 'enroll'; key: string; request: Record<string, unknown> };

interface Outcome {
  write: Write;
  /** ok: acknowledged; refused: answered ok:false; unknown: no answer before the kill. */
  status: 'ok' | 'refused' | 'unknown';
  value?: unknown;
  code?: string;
}

/** Letters only, so generated names pass the name rules. */
function letters(n: number): string {
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

interface Acked {
  earns: Map<string, { opId: string; memberId: string }>; // by reference
  redeems: Set<string>; // op ids
  enrolls: Map<string, string>; // card -> member id
}

/** Every cross-table invariant of a counter write; returns the violations found (empty when whole). */
function checkInvariants(db: Database, auditKey: string, acked: Acked): { problems: string[]; summary: string } {
  const problems: string[] = [];
  const all = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[];
  const one = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T;

  // Ledger → exactly one outbox row of the matching type and one points.* audit entry with its opId.
  for (const row of all<{ op_id: string; kind: string; outbox: number; outbox_type: string | null; audits: number }>(
    `SELECT l.op_id, l.kind,
            (SELECT count(*) FROM outbox o WHERE o.op_id = l.op_id) AS outbox,
            (SELECT o.type FROM outbox o WHERE o.op_id = l.op_id) AS outbox_type,
            (SELECT count(*) FROM audit a WHERE a.action LIKE 'points.%'
                AND json_extract(a.details, '$.opId') = l.op_id) AS audits
       FROM ledger l`,
  )) {
    const type = { earn: 'points.earned', redeem: 'points.redeemed' }[row.kind];
    if (row.outbox !== 1) problems.push(`ledger ${row.op_id}: ${row.outbox} outbox rows`);
    else if (row.outbox_type !== type) problems.push(`ledger ${row.op_id}: outbox type ${row.outbox_type}`);
    if (row.audits !== 1) problems.push(`ledger ${row.op_id}: ${row.audits} audit entries`);
  }
  // …and back: no points op or points audit entry without its ledger row.
  for (const row of all<{ op_id: string }>(
    `SELECT o.op_id FROM outbox o WHERE o.type LIKE 'points.%'
        AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.op_id = o.op_id)`,
  ))
    problems.push(`outbox op ${row.op_id} without a ledger row`);
  for (const row of all<{ seq: number }>(
    `SELECT a.seq FROM audit a WHERE a.action LIKE 'points.%'
        AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.op_id = json_extract(a.details, '$.opId'))`,
  ))
    problems.push(`audit #${row.seq} (points) without a ledger row`);

  // Members enrolled here (not the demo snapshot): the whole enrolment or nothing.
  const demo = JSON.stringify(DEMO_CARDS);
  const enrolled = all<{
    id: string;
    audits: number;
    outbox: number;
    consents: number;
    purposes: string | null;
    tokens: number;
  }>(
    `SELECT m.id,
            (SELECT count(*) FROM audit a WHERE a.action = 'member.enrolled' AND a.subject_id = m.id) AS audits,
            (SELECT count(*) FROM outbox o WHERE o.op_id = m.id AND o.type = 'member.enrolled') AS outbox,
            (SELECT count(*) FROM consents c WHERE c.member_id = m.id) AS consents,
            (SELECT group_concat(purpose, ',') FROM (SELECT purpose FROM consents c WHERE c.member_id = m.id
                ORDER BY purpose)) AS purposes,
            (SELECT count(*) FROM member_name_tokens t WHERE t.member_id = m.id) AS tokens
       FROM members m WHERE m.card_number NOT IN (SELECT value FROM json_each(?))`,
    demo,
  );
  for (const m of enrolled) {
    if (m.audits !== 1) problems.push(`member ${m.id}: ${m.audits} member.enrolled audit entries`);
    if (m.outbox !== 1) problems.push(`member ${m.id}: ${m.outbox} member.enrolled outbox rows`);
    if (m.consents !== 3 || m.purposes !== 'marketing_email,marketing_sms,terms')
      problems.push(`member ${m.id}: consents ${m.consents} (${m.purposes})`);
    if (m.tokens === 0) problems.push(`member ${m.id}: no name tokens`);
  }
  for (const c of all<{ op_id: string; audits: number; outbox: number }>(
    `SELECT c.op_id,
            (SELECT count(*) FROM audit a WHERE a.action = 'consent.changed'
                AND json_extract(a.details, '$.opId') = c.op_id AND a.subject_id = c.member_id) AS audits,
            (SELECT count(*) FROM outbox o WHERE o.op_id = c.op_id AND o.type = 'consent.changed') AS outbox
       FROM consents c`,
  )) {
    if (c.audits !== 1) problems.push(`consent ${c.op_id}: ${c.audits} audit entries`);
    if (c.outbox !== 1) problems.push(`consent ${c.op_id}: ${c.outbox} outbox rows`);
  }
  for (const row of all<{ what: string }>(
    `SELECT 'audit #' || a.seq AS what FROM audit a WHERE a.action = 'member.enrolled'
        AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = a.subject_id)
     UNION ALL
     SELECT 'outbox op ' || o.op_id FROM outbox o WHERE o.type = 'member.enrolled'
        AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = o.op_id)
     UNION ALL
     SELECT 'audit #' || a.seq FROM audit a WHERE a.action = 'consent.changed'
        AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.op_id = json_extract(a.details, '$.opId'))
     UNION ALL
     SELECT 'outbox op ' || o.op_id FROM outbox o WHERE o.type = 'consent.changed'
        AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.op_id = o.op_id)
     UNION ALL
     SELECT 'outbox op ' || o.op_id || ' of type ' || o.type FROM outbox o
      WHERE o.type NOT IN ('points.earned', 'points.redeemed', 'member.enrolled', 'consent.changed')`,
  ))
    problems.push(`${row.what} without its change`);

  // Outbox seq is 1..N without a gap, and sync_state remembers N.
  const seq = one<{ n: number; lo: number | null; hi: number | null }>(
    'SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM outbox',
  );
  const last = one<{ value: string } | undefined>("SELECT value FROM sync_state WHERE key = 'outbox_last_seq'");
  if (seq.n > 0 && (seq.lo !== 1 || seq.hi !== seq.n)) problems.push(`outbox seq ${seq.lo}..${seq.hi} for ${seq.n}`);
  if (Number(last?.value ?? 0) !== seq.n) problems.push(`outbox_last_seq ${last?.value} but ${seq.n} rows`);

  const verified = createAuditLog({ db, key: auditKey, now: () => new Date() }).verify();
  const auditCount = one<{ n: number }>('SELECT count(*) AS n FROM audit').n;
  if (!verified.ok || verified.checked !== auditCount)
    problems.push(`audit chain broken at #${verified.firstBrokenSeq} (${verified.checked}/${auditCount})`);

  // Durability: whatever the client saw acknowledged is there, as it was acknowledged.
  const ledgerRow = db.prepare('SELECT op_id, member_id, kind, reference FROM ledger WHERE op_id = ?');
  for (const [reference, ack] of acked.earns) {
    const row = ledgerRow.get(ack.opId) as { member_id: string; kind: string; reference: string } | undefined;
    if (!row || row.kind !== 'earn' || row.reference !== reference || row.member_id !== ack.memberId)
      problems.push(`acknowledged earn ${reference} (${ack.opId}) missing`);
  }
  for (const opId of acked.redeems) {
    const row = ledgerRow.get(opId) as { kind: string } | undefined;
    if (row?.kind !== 'redeem') problems.push(`acknowledged redeem ${opId} missing`);
  }
  const memberByCard = db.prepare('SELECT id FROM members WHERE card_number = ?');
  for (const [card, id] of acked.enrolls) {
    if ((memberByCard.get(card) as { id: string } | undefined)?.id !== id)
      problems.push(`acknowledged enrolment ${card} missing`);
  }
  // No op twice: op ids are keys, and a receipt or a card is written once.
  for (const row of all<{ what: string; n: number }>(
    `SELECT 'reference ' || reference AS what, count(*) AS n FROM ledger WHERE kind = 'earn' GROUP BY reference HAVING n > 1
     UNION ALL SELECT 'card ' || card_number, count(*) FROM members GROUP BY card_number HAVING count(*) > 1
     UNION ALL SELECT 'outbox op ' || op_id, count(*) FROM outbox GROUP BY op_id HAVING count(*) > 1`,
  ))
    problems.push(`${row.what} appears ${row.n} times`);

  const counts = one<{ ledger: number; members: number; consents: number; outbox: number }>(
    `SELECT (SELECT count(*) FROM ledger) AS ledger, (SELECT count(*) FROM members) AS members,
            (SELECT count(*) FROM consents) AS consents, (SELECT count(*) FROM outbox) AS outbox`,
  );
  return {
    problems,
    summary: `ledger ${counts.ledger}, members ${counts.members} (${enrolled.length} enrolled), consents ${counts.consents}, outbox ${counts.outbox}, audit ${auditCount}`,
  };
}

describe('a process killed during counter writes keeps each write whole or not at all', () => {
  const dir = makeTempDir('loyalty-kill-');
  beforeAll(() => ensureHarnessBuilt(), 180_000);
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    // The secrets live in a throwaway service of the test keyring; remove them with the folder.
    const keyInfo = join(dir.path, KEY_INFO_FILE);
    if (existsSync(keyInfo)) {
      const { installId } = JSON.parse(readFileSync(keyInfo, 'utf8')) as { installId: string };
      const keychain = await openOsKeychain(KEYCHAIN_SERVICE);
      for (const account of Object.values(secretAccounts(installId))) await keychain.delete(account);
    }
    dir.remove();
  });

  it(`survives ${ROUNDS} SIGKILLs with writes in flight (seed ${SEED})`, { timeout: 60_000 }, async () => {
    // Two streams: the kill schedule stays the same for a seed however many writes a round fits in.
    const schedule = prng(SEED);
    const random = prng(SEED ^ 0x5bd1e995);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const keychain = await openOsKeychain(KEYCHAIN_SERVICE);
    const acked: Acked = { earns: new Map(), redeems: new Set(), enrolls: new Map() };
    const kills: { round: number; delayMs: number; sent: number; inFlight: number; inFlightCommitted: number }[] = [];
    const memberIds: string[] = [];
    const richIds: string[] = [];
    let unknownBefore: Outcome[] = [];
    let serial = 0;

    const nextWrite = (round: number): Write => {
      const n = serial++;
      const roll = random();
      if (roll < 0.55) {
        const reference = `K${SEED}-${round}-${n}`;
        const request = { memberId: pick(memberIds), amountMinor: 100 + Math.floor(random() * 20_000), reference };
        return { kind: 'earn', key: reference, request };
      }
      if (roll < 0.75)
        return { kind: 'redeem', key: `redeem-${n}`, request: { memberId: pick(richIds), rewardId: 'coffee' } };
      const cardNumber = withCheckDigit(`88${String(SEED % 1000).padStart(3, '0')}${String(n).padStart(7, '0')}`);
      const request = {
        givenName: 'Crash',
        familyName: `Test ${letters(n)}`,
        email: `kill.${SEED}.${n}@example.com`,
        cardNumber,
        consents: {
          terms: true,
          marketingEmail: random() < 0.5,
          marketingSms: false,
          noticeVersion: CURRENT_NOTICE_VERSION,
          noticeLanguage: 'en',
        },
      };
      return { kind: 'enroll', key: cardNumber, request };
    };

    const channel = { earn: 'points.earn', redeem: 'points.redeem', enroll: 'members.enroll' } as const;
    const record = (outcome: Outcome) => {
      if (outcome.status !== 'ok') return;
      const { write } = outcome;
      if (write.kind === 'earn') {
        const { entry } = outcome.value as { entry: { opId: string } };
        acked.earns.set(write.key, { opId: entry.opId, memberId: write.request.memberId });
      } else if (write.kind === 'redeem') {
        acked.redeems.add((outcome.value as { entry: { opId: string } }).entry.opId);
      } else {
        acked.enrolls.set(write.key, (outcome.value as { id: string }).id);
      }
    };
    const send = async (app: Harness, write: Write): Promise<Outcome> => {
      try {
        const result = await app.call(channel[write.kind], write.request);
        return result.ok
          ? { write, status: 'ok', value: result.value }
          : { write, status: 'refused', code: result.error.code };
      } catch {
        return { write, status: 'unknown' };
      }
    };

    /** Which of the writes whose outcome the client never learned are in the database. */
    const committed = (db: Database, writes: Outcome[]) => {
      const earn = db.prepare("SELECT 1 FROM ledger WHERE kind = 'earn' AND reference = ?");
      const card = db.prepare('SELECT 1 FROM members WHERE card_number = ?');
      return new Set(
        writes
          .filter(({ write }) =>
            write.kind === 'earn' ? earn.get(write.key) : write.kind === 'enroll' ? card.get(write.key) : false,
          )
          .map(({ write }) => write.key),
      );
    };
    let committedBefore = new Set<string>();

    for (let round = 1; round <= ROUNDS; round++) {
      const app = await startHarness(dir.path);
      await login(app, CARL);
      if (round === 1) {
        for (const card of DEMO_CARDS) {
          const found = await app.call('members.find', { query: card });
          if (!found.ok) throw new Error(`members.find ${card}: ${found.error.code}`);
          const id = (found.value as { members: { id: string }[] }).members[0]!.id;
          memberIds.push(id);
          if (RICH_CARDS.includes(card)) richIds.push(id);
        }
      }

      // A write left without an answer is retried with the same receipt or card: it lands once.
      for (const lost of unknownBefore.filter((o) => o.write.kind !== 'redeem')) {
        const retry = await send(app, lost.write);
        const already = committedBefore.has(lost.write.key);
        const expected = already ? (lost.write.kind === 'earn' ? 'reference_used' : 'card_in_use') : undefined;
        expect({ key: lost.write.key, status: retry.status, code: retry.code }).toEqual({
          key: lost.write.key,
          status: already ? 'refused' : 'ok',
          code: expected,
        });
        record(retry);
      }

      // Fire writes from many workers and kill the process at a seeded random moment.
      const delayMs = 80 + Math.floor(schedule() * 500);
      const outcomes: Outcome[] = [];
      let inFlight = 0;
      let sent = 0;
      let stop = false;
      const worker = async () => {
        while (!stop) {
          const write = nextWrite(round);
          sent += 1;
          inFlight += 1;
          const outcome = await send(app, write);
          inFlight -= 1;
          outcomes.push(outcome);
          // An answer that arrived as the kill was sent still proves the write committed.
          record(outcome);
        }
      };
      const workers = Array.from({ length: WORKERS }, () => worker());
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const inFlightAtKill = inFlight;
      app.child.kill('SIGKILL');
      stop = true;
      await app.exited;
      await Promise.all(workers);

      unknownBefore = outcomes.filter((o) => o.status === 'unknown');
      const database = await openDeviceDatabase({ dataDir: dir.path, keychain });
      try {
        const { problems, summary } = checkInvariants(database.db, database.secrets.auditKey, acked);
        committedBefore = committed(database.db, unknownBefore);
        // The only refusal expected here is a member short of points; anything else is a fault.
        const codes = new Set(outcomes.filter((o) => o.status === 'refused').map((o) => `${o.write.kind}:${o.code}`));
        expect([...codes].filter((c) => c !== 'redeem:balance_short')).toEqual([]);
        // A write refused with an answer left nothing behind.
        const refused = outcomes.filter((o) => o.status === 'refused' && o.write.kind !== 'redeem');
        expect(committed(database.db, refused), 'refused writes left a trace').toEqual(new Set());
        kills.push({ round, delayMs, sent, inFlight: inFlightAtKill, inFlightCommitted: committedBefore.size });
        const byStatus = (s: Outcome['status']) => outcomes.filter((o) => o.status === s).length;
        console.info(
          `round ${round}: killed after ${delayMs} ms, ${sent} sent, ${byStatus('ok')} ok, ${byStatus('refused')} refused, ` +
            `${inFlightAtKill} in flight (${unknownBefore.length} unanswered, ${committedBefore.size} of them committed); ${summary}`,
        );
        expect(problems).toEqual([]);
      } finally {
        database.close();
      }
    }

    // Once more through the app itself: a manager verifies the chain through the router.
    const app = await startHarness(dir.path);
    try {
      await login(app, MIA);
      const verify = await app.call('audit.verify', {});
      expect(verify).toMatchObject({ ok: true, value: { ok: true, firstBrokenSeq: null } });
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }

    console.info(`kills (seed ${SEED}): ${JSON.stringify(kills)}`);
    expect(kills).toHaveLength(ROUNDS);
    expect(kills.some((k) => k.inFlight > 0)).toBe(true);
    expect(acked.earns.size + acked.redeems.size + acked.enrolls.size).toBeGreaterThan(0);
  });
});
