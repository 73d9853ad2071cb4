import { expect } from 'vitest';
import type { Database } from 'better-sqlite3-multiple-ciphers';
import { canonicalJson } from '../../src/shared/canonical-json';
import { OP_PAYLOADS, OP_TYPES, type OpType } from '../../src/shared/sync/ops';
import type { IpcResult } from '../../src/shared/errors';
import { TEST_CASHIER, startTestApp, type TestApp } from './app';
import type { manualClock } from './clock';
import { PINS, login } from './staff';

/** Demo staff (resources/demo/staff.json) share the PINs of tests/support/staff.ts. */
export const DEMO_STAFF = {
  manager: { id: 'demo-mia', pin: PINS.mia },
  cashier: { id: 'demo-carl', pin: PINS.carl },
} as const;

/** Demo members (resources/demo/members.json) by card number. */
export const DEMO_CARDS = {
  olivia: '6004990000016', // gold, 1840, phone + e-mail
  oliver: '6004990000024', // standard, 320, phone only
  amelia: '6004990000032', // silver, 760, e-mail only
  harry: '6004990000040', // standard, 95
  zoe: '6004990000057', // standard, 0
  isla: '6004990000065', // silver, 2450, phone only
  anna: '6004990000081', // gold, 5200
} as const;
export type DemoMember = keyof typeof DEMO_CARDS;

/** Every name and contact of the demo members, in the forms they could leak in. */
export const DEMO_PII = [
  'Olivia',
  'Bennett',
  'Oliver',
  'Hughes',
  'Amelia',
  'Clarke',
  'Harry',
  "O'Connor",
  'Zoë',
  'Ångström',
  'Isla',
  'Fitzgerald',
  'Анна',
  'Смирнова',
  '2079460123',
  '7946 0123',
  '2079460456',
  '1614960789',
  '46701234567',
  '79123456789',
  'olivia.bennett@',
  'amelia.clarke@',
  'harry.oconnor@',
  'zoe.angstrom@',
  'anna.smirnova@',
];

export type UUIDv7 = string;
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export type Result<T = unknown> = IpcResult<T>;

export interface Counter {
  app: TestApp;
  db: Database;
  call<T = unknown>(channel: string, payload: unknown): Promise<Result<T>>;
  /** Calls a channel that must succeed and returns its value. */
  ok<T = unknown>(channel: string, payload: unknown): Promise<T>;
  /** The id of a demo member (or of any member) by card number. */
  memberId(card: string): string;
  signIn(who: keyof typeof DEMO_STAFF): Promise<void>;
}

/** The demo till (earn rules, rewards, card block, members, staff) with the demo cashier signed in. */
export async function startCounter(
  clock: ReturnType<typeof manualClock>,
  options: { demo?: boolean } = {},
): Promise<Counter> {
  const demo = options.demo ?? true;
  const app = await startTestApp(
    undefined,
    demo ? { now: clock.now, signedIn: null, extra: { demo: true } } : { now: clock.now, signedIn: TEST_CASHIER },
  );
  const db = app.services.database.db;
  const call = <T>(channel: string, payload: unknown) => app.call<Result<T>>(channel, payload);
  const counter: Counter = {
    app,
    db,
    call,
    async ok<T>(channel: string, payload: unknown) {
      const result = await call<T>(channel, payload);
      if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
      return result.value;
    },
    memberId(card) {
      const row = db.prepare('SELECT id FROM members WHERE card_number = ?').get(card) as { id: string } | undefined;
      if (!row) throw new Error(`no member with card ${card}`);
      return row.id;
    },
    async signIn(who) {
      const staff = DEMO_STAFF[who];
      const result = await login(app, staff.id, staff.pin);
      if (!result.ok) throw new Error(`login ${staff.id} failed: ${result.error.code}`);
    },
  };
  if (demo) await counter.signIn('cashier');
  return counter;
}

export type Snapshot = Record<string, Record<string, unknown>[]>;

/** Every row of every table. A refused write must leave this exactly as it was. */
export function snapshotAll(db: Database): Snapshot {
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]]),
  );
}

export interface TableChange {
  added: Record<string, unknown>[];
  removed: Record<string, unknown>[];
}

/** Rows added and removed per table (a changed row is one of each); tables without change are left out. */
export function diff(before: Snapshot, after: Snapshot): Record<string, TableChange> {
  const out: Record<string, TableChange> = {};
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const key = (row: Record<string, unknown>) => JSON.stringify(row);
    const left = new Map<string, number>();
    for (const row of before[table] ?? []) left.set(key(row), (left.get(key(row)) ?? 0) + 1);
    const added: Record<string, unknown>[] = [];
    for (const row of after[table] ?? []) {
      const n = left.get(key(row)) ?? 0;
      if (n > 0) left.set(key(row), n - 1);
      else added.push(row);
    }
    const removed = (before[table] ?? []).filter((row) => {
      const n = left.get(key(row)) ?? 0;
      if (n > 0) {
        left.set(key(row), n - 1);
        return true;
      }
      return false;
    });
    if (added.length || removed.length) out[table] = { added, removed };
  }
  return out;
}

/** How many rows each table gained and lost: `{ ledger: [1, 0], audit: [2, 0], ... }`. */
export function counts(changes: Record<string, TableChange>): Record<string, [number, number]> {
  return Object.fromEntries(
    Object.entries(changes).map(([table, change]) => [table, [change.added.length, change.removed.length]]),
  );
}

export interface OutboxRow {
  seq: number;
  op_id: string;
  type: OpType;
  staff_id: string | null;
  device_time: string;
  payload: string;
  state: string;
  result: string | null;
}

export function outboxRows(db: Database): OutboxRow[] {
  return db.prepare('SELECT * FROM outbox ORDER BY seq').all() as OutboxRow[];
}

export function lastSeq(db: Database): number {
  const row = db.prepare("SELECT value FROM sync_state WHERE key = 'outbox_last_seq'").get() as
    { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

export interface AuditRow {
  seq: number;
  at: string;
  staff_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: string;
}

export function auditRows(db: Database): AuditRow[] {
  return db.prepare('SELECT * FROM audit ORDER BY seq').all() as AuditRow[];
}

/**
 * The whole-till invariants of DESIGN §5: outbox seqs are 1..n with no gap, each op id is a UUIDv7
 * used once, each payload is canonical JSON that HQ's schema accepts and says what the local row
 * says, every ledger and consent row has exactly one outbox row, and every op has its audit entry.
 */
export function expectCounterInvariants(db: Database): void {
  const outbox = outboxRows(db);
  expect(outbox.map((row) => row.seq)).toEqual(outbox.map((_row, i) => i + 1));
  expect(lastSeq(db)).toBe(outbox.length);
  expect(new Set(outbox.map((row) => row.op_id)).size).toBe(outbox.length);

  const ledger = new Map(
    (db.prepare('SELECT * FROM ledger').all() as Record<string, unknown>[]).map((row) => [row.op_id as string, row]),
  );
  const consents = new Map(
    (db.prepare('SELECT * FROM consents').all() as Record<string, unknown>[]).map((row) => [row.op_id as string, row]),
  );
  const audit = auditRows(db);
  const auditFor = (opId: string, action: string) =>
    audit.filter(
      (entry) =>
        entry.action === action &&
        ((JSON.parse(entry.details) as { opId?: string }).opId === opId ||
          (action === 'member.enrolled' && entry.subject_id === opId)),
    );

  for (const row of outbox) {
    expect(row.op_id, `seq ${row.seq}`).toMatch(UUID_V7);
    expect(OP_TYPES).toContain(row.type);
    expect(row.state).toBe('pending');
    const payload = JSON.parse(row.payload) as Record<string, unknown>;
    expect(OP_PAYLOADS[row.type].safeParse(payload).success, `payload of seq ${row.seq}`).toBe(true);
    expect(row.payload).toBe(canonicalJson(payload));
    expect(auditFor(row.op_id, row.type), `audit entry of ${row.type} seq ${row.seq}`).toHaveLength(1);

    if (row.type.startsWith('points.')) {
      const entry = ledger.get(row.op_id);
      expect(entry, `ledger row of seq ${row.seq}`).toBeDefined();
      // A paired till's correction carries its approver's sealed PIN proof for HQ, and only a correction
      // does; the ledger cannot hold it (it is opaque to the till), so it is checked for shape only.
      const { staffProof, ...ledgerFields } = payload;
      const proven = row.type === 'points.adjusted' || row.type === 'points.reversed';
      if (staffProof !== undefined) {
        expect(proven, `a ${row.type} carries no staff proof`).toBe(true);
        expect(Object.keys(staffProof as object).sort()).toEqual(['ct', 'epk', 'iv', 'v']);
      }
      expect(ledgerFields).toEqual({
        memberId: entry?.member_id,
        kind: entry?.kind,
        points: entry?.points,
        at: entry?.at,
        reference: entry?.reference,
        amountMinor: entry?.amount_minor,
        currency: entry?.currency,
        rewardId: entry?.reward_id,
        reasonCode: entry?.reason_code,
        approvedBy: entry?.approved_by,
        approvalId: entry?.approval_id,
        reversesOpId: entry?.reverses_op_id,
        rulesVersion: entry?.rules_version,
      });
      expect(row.staff_id).toBe(entry?.staff_id);
      expect(row.device_time).toBe(entry?.at);
    } else if (row.type === 'consent.changed') {
      const consent = consents.get(row.op_id);
      expect(consent, `consent row of seq ${row.seq}`).toBeDefined();
      expect(payload).toEqual({
        memberId: consent?.member_id,
        purpose: consent?.purpose,
        granted: consent?.granted === 1,
        noticeVersion: consent?.notice_version,
        noticeLanguage: consent?.language,
        channel: consent?.channel,
        at: consent?.at,
      });
      expect(row.staff_id).toBe(consent?.staff_id);
    } else if (row.type === 'member.enrolled') {
      const member = db.prepare('SELECT id, card_number, enrolled_at FROM members WHERE id = ?').get(row.op_id) as
        { id: string; card_number: string; enrolled_at: string } | undefined;
      expect(member, `member of seq ${row.seq}`).toBeDefined();
      expect(payload).toMatchObject({
        memberId: member?.id,
        cardNumber: member?.card_number,
        enrolledAt: member?.enrolled_at,
      });
    } else {
      expect(row.type).toBe('member.updated');
      expect(db.prepare('SELECT 1 FROM members WHERE id = ?').get(payload.memberId)).toBeDefined();
    }
  }

  const opIds = new Set(outbox.map((row) => row.op_id));
  for (const opId of [...ledger.keys(), ...consents.keys()])
    expect(opIds.has(opId), `outbox row of ${opId}`).toBe(true);
  for (const entry of audit) {
    const details = JSON.parse(entry.details) as { opId?: string };
    if (details.opId !== undefined) expect(opIds.has(details.opId), `outbox row of audit ${entry.seq}`).toBe(true);
  }
}

/**
 * Exactly one op since `before`: its outbox row has the next seq, the given type and op id (a
 * UUIDv7), and a matching audit entry. Returns the parsed payload.
 */
export function expectOneOp(
  db: Database,
  changes: Record<string, TableChange>,
  expected: { type: OpType; opId: string; staffId: string | null; seqBefore: number },
): Record<string, unknown> {
  const added = changes.outbox?.added ?? [];
  expect(added).toHaveLength(1);
  const row = added[0] as unknown as OutboxRow;
  expect(row).toMatchObject({
    seq: expected.seqBefore + 1,
    op_id: expected.opId,
    type: expected.type,
    staff_id: expected.staffId,
    state: 'pending',
  });
  expect(row.op_id).toMatch(UUID_V7);
  expect(lastSeq(db)).toBe(expected.seqBefore + 1);
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  expect(OP_PAYLOADS[expected.type].safeParse(payload).success).toBe(true);
  return payload;
}

/** Audit details and log lines must not carry any of these strings. */
export function expectNoPii(db: Database, logLines: string[], pii: readonly string[]): void {
  const details = auditRows(db).map((entry) => entry.details);
  const haystacks = [...details, ...logLines].map((text) => text.toLowerCase());
  for (const needle of pii) {
    const lower = needle.toLowerCase();
    const hit = haystacks.find((text) => text.includes(lower));
    expect(hit, `"${needle}" found`).toBeUndefined();
  }
}
