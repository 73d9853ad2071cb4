/**
 * npm run bench -- --only detection: what the till's detection rules (issue 14) add to a sensitive
 * call at the counter, on the encrypted device database, side by side with their baseline in the
 * same run: the call's own audit entry, which the counter writes anyway.
 *
 *   npm run bench -- --only detection [--days 1000,5000,20000] [--calls 300]
 *
 * For a till whose last 24 hours hold N audit entries (six staff members serving customers: a
 * search, the member opened, a sale), each measured call is one more member opened by one staff
 * member, as the router runs it (the customer is then served, untimed, so the rules stay quiet as
 * they do for honest staff):
 *   baseline:  the `member.viewed` entry appended in its own transaction;
 *   detection: the same append, then the rules over that staff member's entries of the longest
 *              window (DEFAULT_DETECTION_POLICY), exactly as src/main/detection/with-detection.ts
 *              runs them after every call.
 * The two alternate call by call, so both see the same machine at the same moment; wall clock and
 * process CPU time are both reported (CPU is steadier on a shared VM).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAuditLog } from '../src/main/audit/audit-log';
import { openDeviceDatabase } from '../src/main/db/open-device-database';
import { createDetectionRun } from '../src/main/detection/run-detection';
import type { StaffHolds } from '../src/main/detection/staff-holds';
import { createStaffRelation } from '../src/main/detection/staff-relation';
import { DEFAULT_DETECTION_POLICY } from '../src/shared/detection/policy';
import { memoryKeychain } from './memory-keychain';
import { ms, percentile } from './timing';

const DAY_MS = 24 * 60 * 60 * 1000;
const STAFF = ['s1', 's2', 's3', 's4', 's5', 's6'];

/** The default policy notifies and never holds anyone: a hold here would be a bench bug. */
const NO_HOLDS: StaffHolds = new Proxy({} as StaffHolds, {
  get() {
    throw new Error('bench: the default policy places no hold');
  },
});

interface Timing {
  wall: number[];
  cpu: number[];
}

function timed(into: Timing, fn: () => void): void {
  const cpu = process.cpuUsage();
  const start = performance.now();
  fn();
  into.wall.push(performance.now() - start);
  const used = process.cpuUsage(cpu);
  into.cpu.push((used.user + used.system) / 1000);
}

const p = (values: number[], at: number) =>
  ms(
    percentile(
      [...values].sort((a, b) => a - b),
      at,
    ),
  );

async function measure(entries: number, calls: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ld-detection-bench-'));
  try {
    const device = await openDeviceDatabase({ dataDir: dir, keychain: memoryKeychain() });
    const { db } = device;
    let clock = Date.parse('2026-12-01T08:00:00.000Z');
    const now = () => new Date(clock);
    const audit = createAuditLog({ db, key: device.secrets.auditKey, now });
    // The day before the measured calls: search, open, sale, spread over 24 hours.
    const step = DAY_MS / entries;
    const seed = db.transaction((from: number, count: number) => {
      for (let i = from; i < from + count; i++) {
        clock += step;
        // One customer (search, open, sale) is one staff member's.
        const staffId = STAFF[Math.floor(i / 3) % STAFF.length] ?? 's1';
        const memberId = `m-${Math.floor(i / 3)}`;
        const kind = i % 3;
        if (kind === 0) audit.append({ staffId, action: 'member.searched', details: { by: 'card', results: 1 } });
        else if (kind === 1)
          audit.append({ staffId, action: 'member.viewed', subjectType: 'member', subjectId: memberId });
        else
          audit.append({
            staffId,
            action: 'points.earned',
            subjectType: 'member',
            subjectId: memberId,
            details: { opId: randomUUID(), points: 12 },
          });
      }
    });
    for (let from = 0; from < entries; from += 1000) seed(from, Math.min(1000, entries - from));

    const run = createDetectionRun({
      db,
      audit,
      now,
      policy: () => DEFAULT_DETECTION_POLICY,
      holds: NO_HOLDS,
      relation: createStaffRelation(db),
    });
    const baseline: Timing = { wall: [], cpu: [] };
    const detection: Timing = { wall: [], cpu: [] };
    const open = (staffId: string, memberId: string) =>
      db.transaction(() =>
        audit.append({ staffId, action: 'member.viewed', subjectType: 'member', subjectId: memberId }),
      )();
    // The customer is served (not timed): honest service, so the rules find nothing to raise.
    const serve = (staffId: string, memberId: string) =>
      db.transaction(() =>
        audit.append({
          staffId,
          action: 'points.earned',
          subjectType: 'member',
          subjectId: memberId,
          details: { opId: randomUUID(), points: 12 },
        }),
      )();
    for (let i = 0; i < calls; i++) {
      // A customer a minute: one staff member's opens stay under the hourly threshold most of the time.
      clock += 60_000;
      const staffId = STAFF[i % STAFF.length] ?? 's1';
      const measureBaseline = () => {
        const memberId = `m-${randomUUID()}`;
        timed(baseline, () => open(staffId, memberId));
        serve(staffId, memberId);
      };
      const measureDetection = () => {
        const memberId = `m-${randomUUID()}`;
        timed(detection, () => {
          const head = run.head();
          open(staffId, memberId);
          run.afterAudit(head);
        });
        serve(staffId, memberId);
      };
      if (i % 2 === 0) {
        measureBaseline();
        measureDetection();
      } else {
        measureDetection();
        measureBaseline();
      }
    }
    const alerts = (db.prepare('SELECT count(*) AS n FROM detection_alerts').get() as { n: number }).n;
    device.close();
    return { entries, calls, baseline, detection, alerts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: { days: { type: 'string', default: '1000,5000,20000' }, calls: { type: 'string', default: '300' } },
  });
  const days = values.days.split(',').map(Number);
  const calls = Number(values.calls);
  console.log('Detection at the till: one member opened, encrypted device database (SQLCipher v4)');
  console.log(
    'entries/24h | baseline p50 / p95 ms (wall; CPU) | with detection p50 / p95 ms (wall; CPU) | added p50 (CPU) | alerts',
  );
  const report = [];
  for (const entries of days) {
    const r = await measure(entries, calls);
    const row = {
      entries: r.entries,
      baseline: {
        p50: p(r.baseline.wall, 50),
        p95: p(r.baseline.wall, 95),
        cpuP50: p(r.baseline.cpu, 50),
        cpuP95: p(r.baseline.cpu, 95),
      },
      detection: {
        p50: p(r.detection.wall, 50),
        p95: p(r.detection.wall, 95),
        cpuP50: p(r.detection.cpu, 50),
        cpuP95: p(r.detection.cpu, 95),
      },
      alerts: r.alerts,
    };
    report.push(row);
    console.log(
      `${String(row.entries).padStart(11)} | ${row.baseline.p50} / ${row.baseline.p95} (${row.baseline.cpuP50}; ${row.baseline.cpuP95})` +
        ` | ${row.detection.p50} / ${row.detection.p95} (${row.detection.cpuP50}; ${row.detection.cpuP95})` +
        ` | ${ms(row.detection.cpuP50 - row.baseline.cpuP50)} | ${row.alerts}`,
    );
  }
  console.log(JSON.stringify({ bench: 'detection', calls, rows: report }));
}

await main();
