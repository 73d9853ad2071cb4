// Issue 15, HQ encryption at rest: members' phone and e-mail arrive through the real push path and are
// stored sealed (packages/hq/src/keys/): no table row, pg_dump or heap page holds them in clear, while a
// column HQ keeps in clear (the given name) is found there — the positive control. The same master key
// reads them back, another one is refused with the typed error, a value moved to another row does not
// open, and two real HQ processes starting at once on a database an older HQ filled seal each row once.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contactLookupHash } from '../../src/node-shared/contact-lookup-hash';
import { maskEmail, maskPhone } from '../../src/shared/members/mask';
import { HQ_ROUTES, PullResponse, type PairResponse } from '../../src/shared/sync/protocol';
import { migrate } from '../../packages/hq/src/db/migrations';
import { openPostgresDatabase } from '../../packages/hq/src/db/postgres';
import { DataKeyError, openDataKeys } from '../../packages/hq/src/keys/data-keys';
import { openMemberContacts, openOpPayloadContacts } from '../../packages/hq/src/keys/sealed-columns';
import { readMembers } from '../../packages/hq/src/members/member-state';
import { skipPostgres, startPostgres, type PostgresServer } from '../support/postgres';
import { makeTempDir } from '../support/temp-dir';
import {
  BACKENDS,
  openTestDataKeys,
  skipBackend,
  snapshotTables,
  startTestHq,
  testKeyWrapper,
  type TestHq,
} from './support/hq';
import { runHq, startHqProcess, type ProcessRun } from './support/hq-process';
import { enrollOp, newMemberId } from './support/ops';
import { sealPlaintextColumns } from '../../packages/hq/src/keys/sealed-columns';

// Values found nowhere else: a hit is this test's data, never a coincidence.
const PHONE = '+447700900123';
const EMAIL = 'zebra.quartz@example.org';
const NEW_EMAIL = 'yak.obsidian@example.org';
const OTHER_EMAIL = 'wombat.garnet@example.org';
// Kept in clear by design (names are not sealed): what the scans must find.
const GIVEN = 'Xanthippe';

const UPDATE_AT = '2026-03-02T09:40:00.000Z';

async function refusalCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DataKeyError);
    return (error as DataKeyError).code;
  }
  throw new Error('expected a DataKeyError');
}

/** pg_dump of the same PostgreSQL installation the test server runs (tests/support/postgres.ts finds it alike). */
function pgDump(url: string): string {
  const candidates = [
    process.env.LOYALTY_PG_BIN,
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((v) => /^\d+(\.\d+)?$/.test(v))
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => join('/usr/lib/postgresql', v, 'bin'))
      : []),
  ].filter((dir): dir is string => dir !== undefined);
  const bin = candidates.map((dir) => join(dir, 'pg_dump')).find((path) => existsSync(path)) ?? 'pg_dump';
  const run = spawnSync(bin, ['--data-only', '--no-owner', url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`pg_dump failed: ${run.stderr}`);
  return run.stdout;
}

describe.each(BACKENDS)('HQ seals members’ contacts at rest on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    let device: PairResponse;
    let chainBefore: Record<string, string>;
    const ada = newMemberId();
    const bea = newMemberId();

    beforeAll(async () => {
      hq = await startTestHq(backend);
      device = await hq.pairedDevice();
      const enrolAda = enrollOp(1, ada);
      Object.assign(enrolAda.payload, { givenName: GIVEN, phone: PHONE, email: EMAIL });
      const enrolBea = enrollOp(2, bea);
      Object.assign(enrolBea.payload, { givenName: GIVEN, phone: null, email: OTHER_EMAIL });
      const update = {
        seq: 3,
        opId: newMemberId(),
        type: 'member.updated',
        staffId: 'staff-1',
        deviceTime: UPDATE_AT,
        payload: { memberId: ada, changes: { email: NEW_EMAIL }, updatedAt: UPDATE_AT },
      } as typeof enrolAda;
      const pushed = await hq.push(device, [enrolAda, enrolBea, update]);
      expect(pushed.outcomes.map((o) => o.outcome)).toEqual(['applied', 'applied', 'applied']);
      // What HQ's start does after opening its keys (main.ts): the chain row ensureChain made in clear
      // during the migrations is sealed now; the members' contacts were sealed when written.
      chainBefore = (
        await hq.db.query<Record<string, string>>(
          'SELECT pin_pepper, lookup_key, staff_proof_private_key FROM chain WHERE id = 1',
        )
      ).rows[0]!;
      expect(await sealPlaintextColumns(hq.db, hq.keys)).toEqual({
        'members.phone': 0,
        'members.email': 0,
        'operators.totp_secret': 0,
        'operator_enrolments.totp_secret': 0,
        'chain.pin_pepper': 1,
        'chain.lookup_key': 1,
        'chain.staff_proof_private_key': 1,
        'chain.pin_pepper_root': 1,
        'ops.payload': 0,
      });
    }, 120_000);
    afterAll(async () => {
      await hq?.close();
    });

    test('no table row holds a phone or e-mail in clear; the given name (not sealed) is found, the positive control', async () => {
      const tables = await snapshotTables(hq.db);
      expect(tables).toContain(GIVEN);
      for (const value of [PHONE, EMAIL, NEW_EMAIL, OTHER_EMAIL, 'zebra', 'wombat', '900123']) {
        expect(tables).not.toContain(value);
      }
      // The chain's secrets too, once HQ's start sealed them (they were there in clear before).
      expect(Object.values(chainBefore)).toHaveLength(3);
      for (const secret of Object.values(chainBefore)) expect(tables).not.toContain(secret);
      const row = (
        await hq.db.query<{ phone: string; email: string }>('SELECT phone, email FROM members WHERE id = $1', [ada])
      ).rows[0];
      expect(row?.phone).toMatch(/^sv1\.[A-Za-z0-9_-]+$/);
      expect(row?.email).toMatch(/^sv1\.[A-Za-z0-9_-]+$/);
      // The stored enrolment op keeps the field, sealed; it is read only for whether it was there.
      const op = (
        await hq.db.query<{ payload: { phone: string; email: string } }>(
          "SELECT payload FROM ops WHERE type = 'member.enrolled' AND payload->>'memberId' = $1",
          [ada],
        )
      ).rows[0];
      expect(op?.payload.phone).toMatch(/^sv1\./);
      expect(op?.payload.email).toMatch(/^sv1\./);
    });

    test('a till paired after the chain was sealed gets the same lookup key and peppers as before', async () => {
      const later = await hq.pairedDevice('Till 2', device.storeId);
      expect(later.lookupKey).toBe(chainBefore.lookup_key);
      expect(later.lookupKey).toBe(device.lookupKey);
      expect(later.pinPeppers).toEqual(device.pinPeppers);
    });

    test('a till still gets the masks and the keyed hashes of the contacts in clear', async () => {
      const response = await hq.send(HQ_ROUTES.pull, { cursor: null, ackedSeq: 3 }, { token: device.deviceToken });
      expect(response.status).toBe(200);
      const page = PullResponse.parse(response.body);
      const pulled = page.changes.find((change) => change.kind === 'member' && change.member.id === ada);
      if (pulled?.kind !== 'member') throw new Error('Ada not pulled');
      const lookupKey = device.lookupKey;
      expect(pulled.member.phoneMasked).toBe(maskPhone(PHONE));
      expect(pulled.member.emailMasked).toBe(maskEmail(NEW_EMAIL));
      expect(pulled.member.phoneHash).toBe(contactLookupHash(lookupKey, 'phone', PHONE).toString('hex'));
      expect(pulled.member.emailHash).toBe(contactLookupHash(lookupKey, 'email', NEW_EMAIL).toString('hex'));
    });

    test('restarted with the same master key, HQ reads them back; with another it refuses and writes nothing', async () => {
      const sameKey = await openTestDataKeys(hq.db, hq.dataMasterKey);
      const rows = (
        await hq.db.query<{ id: string; phone: string | null; email: string | null }>(
          'SELECT id, phone, email FROM members WHERE id = ANY($1::text[]) ORDER BY given_name, id',
          [[ada, bea]],
        )
      ).rows;
      const opened = Object.fromEntries(rows.map((row) => [row.id, openMemberContacts(sameKey, row.id, row)]));
      expect(opened).toEqual({
        [ada]: { phone: PHONE, email: NEW_EMAIL },
        [bea]: { phone: null, email: OTHER_EMAIL },
      });
      const before = (await hq.db.query('SELECT * FROM data_keys ORDER BY id')).rows;
      expect(await refusalCode(() => openDataKeys(hq.db, testKeyWrapper(randomBytes(32))))).toBe('master_key_mismatch');
      expect((await hq.db.query('SELECT * FROM data_keys ORDER BY id')).rows).toEqual(before);
    });

    test('a sealed value copied into another member’s row does not open there (typed error, never her e-mail)', async () => {
      const lookupKey = device.lookupKey;
      await hq.db.query('UPDATE members SET email = (SELECT email FROM members WHERE id = $1) WHERE id = $2', [
        ada,
        bea,
      ]);
      expect(await refusalCode(() => readMembers(hq.db, [bea], lookupKey, hq.keys))).toBe('sealed_value_invalid');
      // Ada's own value still opens where it belongs.
      const [state] = await readMembers(hq.db, [ada], lookupKey, hq.keys);
      expect(state?.kind === 'member' ? state.member.emailMasked : null).toBe(maskEmail(NEW_EMAIL));
    });

    // PostgreSQL's own files and dump; PGlite's heap is checked through the rows above.
    if (backend === 'postgres')
      test('PostgreSQL: pg_dump and the tables’ files after CHECKPOINT hold no contact in clear, but the given name', async () => {
        const url = hq.databaseUrl;
        if (url === undefined) throw new Error('no PostgreSQL URL');
        const dump = pgDump(url);
        expect(dump).toContain(GIVEN);
        for (const value of [PHONE, EMAIL, NEW_EMAIL, OTHER_EMAIL]) expect(dump).not.toContain(value);

        await hq.db.query('CHECKPOINT');
        const dataDir = (await hq.db.query<{ d: string }>(`SELECT current_setting('data_directory') AS d`)).rows[0]?.d;
        if (!dataDir) throw new Error('no data directory');
        let scanned = 0;
        let givenFound = 0;
        for (const table of ['members', 'ops']) {
          const relations = (
            await hq.db.query<{ path: string | null }>(
              `SELECT pg_relation_filepath(c.oid) AS path FROM pg_class c
                WHERE c.oid = $1::regclass OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = $1::regclass)`,
              [table],
            )
          ).rows;
          for (const { path } of relations) {
            if (path === null) continue;
            const file = join(dataDir, path);
            if (!existsSync(file)) continue;
            const bytes = readFileSync(file);
            scanned += bytes.length;
            if (bytes.includes(Buffer.from(GIVEN, 'utf8'))) givenFound += 1;
            for (const value of [PHONE, EMAIL, NEW_EMAIL, OTHER_EMAIL]) {
              expect(bytes.includes(Buffer.from(value, 'utf8')), `${value} in ${table}`).toBe(false);
            }
          }
        }
        expect(scanned).toBeGreaterThan(0);
        // The members heap and the ops heap (the enrolment payloads) both hold the name in clear.
        expect(givenFound).toBe(2);
      });
  });
});

describe.each(BACKENDS)('ops payloads an older HQ stored with contacts in clear, on %s', (backend) => {
  describe.skipIf(skipBackend(backend))(backend, () => {
    let hq: TestHq;
    afterAll(async () => {
      await hq?.close();
    });

    test('the start pass seals them once (two passes racing), they open to what was there, a second pass changes nothing', async () => {
      hq = await startTestHq(backend);
      const device = await hq.pairedDevice();
      const member = newMemberId();
      // One op through today's push (sealed there): the pass leaves it, and it opens alike.
      const pushedOp = enrollOp(1, member);
      Object.assign(pushedOp.payload, { phone: '+447700900771', email: 'pushed.onyx@example.org' });
      expect((await hq.push(device, [pushedOp])).outcomes.map((o) => o.outcome)).toEqual(['applied']);

      // As an HQ before migration 15 stored them: the payloads' contacts in clear.
      const old: Record<number, { type: string; payload: Record<string, unknown> }> = {
        10: {
          type: 'member.enrolled',
          payload: { memberId: member, givenName: GIVEN, phone: '+447700900551', email: 'old.jasper@example.org' },
        },
        11: { type: 'member.enrolled', payload: { memberId: newMemberId(), phone: null, email: '' } },
        12: { type: 'member.updated', payload: { memberId: member, changes: { phone: '+447700900552' } } },
        13: {
          type: 'member.updated',
          payload: { memberId: member, changes: { email: 'old.beryl@example.org', phone: null } },
        },
        14: { type: 'points.earned', payload: { memberId: member, points: 5 } },
        15: { type: 'member.enrolled', payload: { memberId: newMemberId(), phone: '+447700900553' } },
      };
      for (const [seq, op] of Object.entries(old)) {
        await hq.db.query(
          `INSERT INTO ops (device_id, seq, op_id, type, staff_id, device_time, payload, outcome, reason, received_at)
           VALUES ($1, $2, $3, $4, 'staff-1', $5, $6::jsonb, 'applied', NULL, now())`,
          [device.deviceId, Number(seq), newMemberId(), op.type, UPDATE_AT, JSON.stringify(op.payload)],
        );
      }
      const stored = async (): Promise<Map<number, Record<string, unknown>>> =>
        new Map(
          (
            await hq.db.query<{ seq: string; payload: string }>(
              'SELECT seq::text AS seq, payload::text AS payload FROM ops WHERE device_id = $1 ORDER BY seq',
              [device.deviceId],
            )
          ).rows.map((row) => [Number(row.seq), JSON.parse(row.payload) as Record<string, unknown>]),
        );
      const before = await stored();

      // Two HQ starts at once (batches of 2): each row sealed by one of them.
      const passes = await Promise.all([
        sealPlaintextColumns(hq.db, hq.keys, { batch: 2 }),
        sealPlaintextColumns(hq.db, hq.keys, { batch: 2 }),
      ]);
      expect(passes.reduce((sum, counts) => sum + (counts['ops.payload'] ?? 0), 0)).toBe(4);

      const after = await stored();
      const tables = await snapshotTables(hq.db);
      expect(tables).toContain(GIVEN);
      for (const value of [
        '+447700900551',
        '+447700900552',
        '+447700900553',
        'old.jasper',
        'old.beryl',
        'pushed.onyx',
      ]) {
        expect(tables).not.toContain(value);
      }
      expect(after.get(10)?.phone).toMatch(/^sv1\.[A-Za-z0-9_-]+$/);
      expect(after.get(10)?.email).toMatch(/^sv1\.[A-Za-z0-9_-]+$/);
      expect((after.get(12)?.changes as Record<string, unknown>).phone).toMatch(/^sv1\./);
      expect((after.get(13)?.changes as Record<string, unknown>).email).toMatch(/^sv1\./);
      // Nothing to seal: left as they were; the pushed op's sealed values untouched.
      for (const seq of [1, 11, 14]) expect(after.get(seq)).toEqual(before.get(seq));
      // Sealed once, bound where push binds them: they open to the original values.
      for (const [seq, payload] of after) {
        const opened = openOpPayloadContacts(hq.keys, payload, device.deviceId, seq);
        expect(opened).toEqual(seq === 1 ? pushedOp.payload : old[seq]?.payload);
      }

      // A second start: nothing left, nothing rewritten.
      const again = await sealPlaintextColumns(hq.db, hq.keys, { batch: 2 });
      expect(Object.values(again).every((count) => count === 0)).toBe(true);
      expect(await stored()).toEqual(after);
    }, 120_000);
  });
});

describe.skipIf(skipPostgres)('two HQ processes start at once on rows an older HQ wrote in clear', () => {
  let pg: PostgresServer;
  const dirs: ReturnType<typeof makeTempDir>[] = [];
  const MEMBERS = 1500;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
    for (const dir of dirs) dir.remove();
  });

  test('each value is sealed once (the processes’ counts add up to the rows), all open to what was there; another master key is refused', async () => {
    const db = await openPostgresDatabase(pg.url);
    try {
      await migrate(db);
      await db.query(`INSERT INTO stores (id, name, created_at) VALUES ('old-store', 'Old', now())`);
      // As an HQ before migration 15 stored them: in clear. Every third member has no phone.
      await db.query(
        `INSERT INTO members (id, card_number, given_name, family_name, phone, email, home_store_id, enrolled_at, updated_at)
         SELECT 'old-' || lpad(i::text, 5, '0'), 'card-' || i, 'G', 'F',
                CASE WHEN i % 3 = 0 THEN NULL ELSE '+44770090' || lpad(i::text, 4, '0') END,
                'old' || i || '@example.org', 'old-store', now(), now()
           FROM generate_series(1, $1::int) AS i`,
        [MEMBERS],
      );
    } finally {
      await db.close();
    }
    const phones = MEMBERS - Math.floor(MEMBERS / 3);
    const master = randomBytes(32);
    const env = { DATABASE_URL: pg.url, LOYALTY_HQ_MASTER_KEY: master.toString('hex') };
    const dir = () => {
      const made = makeTempDir('loyalty-hq-seal-');
      dirs.push(made);
      return made.path;
    };
    const both = await Promise.all([startHqProcess(dir(), { env }), startHqProcess(dir(), { env })]);
    const runs: ProcessRun[] = [];
    for (const hq of both) {
      await hq.waitForOutput('HQ_MASTER_KEY=');
      runs.push(await hq.stop());
    }
    const sealedBy = runs.map((run) => {
      const counts = { phone: 0, email: 0 };
      const line = run.values.HQ_SEALED_AT_REST;
      if (line === undefined) return counts;
      const entry = JSON.parse(line) as Record<string, number>;
      counts.phone += entry['members.phone'] ?? 0;
      counts.email += entry['members.email'] ?? 0;
      return counts;
    });
    expect(sealedBy.reduce((sum, c) => sum + c.phone, 0)).toBe(phones);
    expect(sealedBy.reduce((sum, c) => sum + c.email, 0)).toBe(MEMBERS);

    const check = await openPostgresDatabase(pg.url);
    try {
      // One key per purpose, and one key root (made once though two processes raced to make it).
      expect((await check.query(`SELECT purpose FROM data_keys ORDER BY purpose`)).rows).toEqual([
        { purpose: 'chain-secrets' },
        { purpose: 'derivation-root' },
        { purpose: 'member-contacts' },
        { purpose: 'operator-totp' },
      ]);
      const keys = await openDataKeys(check, testKeyWrapper(master));
      const rows = (
        await check.query<{ id: string; phone: string | null; email: string | null }>(
          'SELECT id, phone, email FROM members ORDER BY id',
        )
      ).rows;
      expect(rows).toHaveLength(MEMBERS);
      rows.forEach((row, index) => {
        const i = index + 1;
        // Sealed once: opening gives the original value, not another sealed text.
        expect(openMemberContacts(keys, row.id, row)).toEqual({
          phone: i % 3 === 0 ? null : `+44770090${String(i).padStart(4, '0')}`,
          email: `old${i}@example.org`,
        });
      });
    } finally {
      await check.close();
    }

    // Started with another master key, HQ stops before listening, with the typed error.
    const refused = await startHqProcess(dir(), {
      env: { ...env, LOYALTY_HQ_MASTER_KEY: randomBytes(32).toString('hex') },
    }).then(
      () => null,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(refused).toContain('(2)');
    expect(refused).toContain('master_key_mismatch');
  }, 120_000);
});

describe('hq rotate-master-key and rotate-data-keys (the built HQ, on PGlite)', () => {
  const dir = makeTempDir('loyalty-hq-rotate-');
  afterAll(() => dir.remove());

  test('the data keys are rewrapped: HQ then starts with the new key and refuses the old one', async () => {
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('base64url');
    // The first start makes the data keys. While it holds the folder the command is refused.
    const running = await startHqProcess(dir.path, { env: { LOYALTY_HQ_MASTER_KEY: oldKey } });
    const refusedWhileRunning = await runHq(dir.path, ['rotate-master-key'], {
      env: { LOYALTY_HQ_MASTER_KEY: oldKey, LOYALTY_HQ_NEW_MASTER_KEY: newKey },
    });
    await running.stop();
    expect(refusedWhileRunning.code).toBe(2);
    expect(refusedWhileRunning.err.join(' ')).toContain('data_dir_locked');

    const rotated = await runHq(dir.path, ['rotate-master-key'], {
      env: { LOYALTY_HQ_MASTER_KEY: oldKey, LOYALTY_HQ_NEW_MASTER_KEY: newKey },
    });
    expect(rotated.code).toBe(0);
    // One key per purpose (member-contacts, chain-secrets, operator-totp) and the key root HQ's own
    // keys derive from, so the operator audit chain written so far still verifies with the new key.
    expect(rotated.values.REWRAPPED).toBe('4');
    expect(rotated.values.DATA_KEYS_WRAPPED_BY).toMatch(/^local:[0-9a-f]{32}$/);
    expect(rotated.out.join('\n') + rotated.err.join('\n')).not.toContain(newKey);

    const withOld = await startHqProcess(dir.path, { env: { LOYALTY_HQ_MASTER_KEY: oldKey } }).then(
      () => 'started',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    expect(withOld).toContain('(2)');
    expect(withOld).toContain('master_key_mismatch');
    const withNew = await startHqProcess(dir.path, { env: { LOYALTY_HQ_MASTER_KEY: newKey } });
    expect(withNew.output()).toContain('HQ_URL=');
    await withNew.stop();

    // Data keys: new ones for every purpose, every sealed value re-encrypted (the chain's four secrets,
    // sealed at the starts above), and HQ starts on them.
    const dataRotated = await runHq(dir.path, ['rotate-data-keys'], { env: { LOYALTY_HQ_MASTER_KEY: newKey } });
    expect(dataRotated.code).toBe(0);
    expect(dataRotated.values).toMatchObject({
      ROTATED: 'member-contacts,chain-secrets,operator-totp',
      RESEALED: '4',
    });
    const afterRotation = await startHqProcess(dir.path, { env: { LOYALTY_HQ_MASTER_KEY: newKey } });
    expect(afterRotation.output()).toContain('HQ_URL=');
    await afterRotation.stop();
  }, 120_000);
});
