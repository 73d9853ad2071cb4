import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDeviceDatabase, type DeviceDatabase } from '../../src/main/db/open-device-database';
import { uuidv7 } from '../../src/main/ids/uuidv7';
import { createOutbox, type Outbox } from '../../src/main/sync/outbox';
import { createTestKeychain, type TestKeychain } from '../support/keychain';
import { makeTempDir } from '../support/temp-dir';

/** Lets the event loop turn a few times, so anything scheduled after a transaction has run. */
const settle = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

const consent = () =>
  ({
    memberId: uuidv7(),
    purpose: 'marketing_email',
    granted: true,
    noticeVersion: '2026-01',
    noticeLanguage: 'en',
    channel: 'counter',
    at: '2026-11-24T09:00:00.000Z',
  }) as const;

/** Every op reaches sync through the outbox itself, after its transaction commits (issue 10, defect 8). */
describe('the outbox kicks sync once its ops are committed', () => {
  let kc: TestKeychain;
  let dir: ReturnType<typeof makeTempDir>;
  let device: DeviceDatabase;
  let outbox: Outbox;
  let kicks: number;

  beforeEach(async () => {
    kc = await createTestKeychain();
    dir = makeTempDir();
    device = await openDeviceDatabase({ dataDir: dir.path, keychain: kc.keychain });
    outbox = createOutbox({ db: device.db, now: () => new Date('2026-11-24T09:00:00Z') });
    kicks = 0;
    outbox.onCommitted(() => (kicks += 1));
  });
  afterEach(async () => {
    device.close();
    await kc.cleanup();
    dir.remove();
  });

  it('a committed transaction with two ops kicks once, after the commit, not from inside it', async () => {
    let insideTransaction = -1;
    device.db.transaction(() => {
      outbox.append('consent.changed', uuidv7(), consent(), null);
      outbox.append('consent.changed', uuidv7(), consent(), null);
      insideTransaction = kicks;
    })();
    expect(insideTransaction).toBe(0);
    await settle();
    expect(kicks).toBe(1);
    expect(outbox.pendingCount()).toBe(2);
  });

  it('an op in a transaction that rolls back kicks nothing', async () => {
    expect(() =>
      device.db.transaction(() => {
        outbox.append('consent.changed', uuidv7(), consent(), null);
        throw new Error('the change failed after its op was written');
      })(),
    ).toThrow('the change failed');
    await settle();
    expect(kicks).toBe(0);
    expect(outbox.pendingCount()).toBe(0);
  });

  it('a transaction held open across an await kicks only once it commits', async () => {
    device.db.exec('BEGIN IMMEDIATE');
    outbox.append('consent.changed', uuidv7(), consent(), null);
    await settle();
    expect(kicks).toBe(0);
    device.db.exec('COMMIT');
    await settle();
    expect(kicks).toBe(1);
  });
});
