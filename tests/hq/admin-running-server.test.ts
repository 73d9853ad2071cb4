import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { HQ_ROUTES, PairResponse, PushResponse } from '../../src/shared/sync/protocol';
import { makeTempDir } from '../support/temp-dir';
import { startHqProcess, runHq, type HqProcess } from './support/hq-process';
import { enrollOp, newMemberId } from './support/ops';

/**
 * Issue 10, defect 1: on the embedded PGlite default, an admin command run while HQ runs on the same
 * data folder must take effect in the running server (it goes through the server's admin endpoint),
 * or refuse; it must never print success for work the server does not see.
 */
describe('admin commands against a running HQ on PGlite (real processes)', () => {
  const dir = makeTempDir('loyalty-hq-running-');
  let server: HqProcess | undefined;

  const pair = async (hq: HqProcess, pairingCode: string, deviceName: string): Promise<PairResponse> => {
    const response = await hq.send(HQ_ROUTES.pair, { pairingCode, deviceName });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return PairResponse.parse(response.body);
  };
  /** Every page of a pull from `from` (null: a snapshot), as one JSON text (to look for a name in it). */
  const pullText = async (hq: HqProcess, device: PairResponse, ackedSeq: number, from: unknown = null) => {
    const pages: unknown[] = [];
    let cursor: unknown = from;
    for (let page = 0; page < 50; page++) {
      const response = await hq.send(
        HQ_ROUTES.pull,
        { cursor, ackedSeq },
        { authorization: `Bearer ${device.deviceToken}` },
      );
      if (response.status !== 200) return { status: response.status, body: response.body, text: '', cursor };
      const body = response.body as { cursor: unknown; more: boolean };
      pages.push(body);
      cursor = body.cursor;
      if (!body.more) break;
    }
    return { status: 200, body: pages, text: JSON.stringify(pages), cursor };
  };
  const cli = (...args: string[]) => runHq(dir.path, args);

  beforeAll(async () => {
    server = await startHqProcess(dir.path);
  });
  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  let storeId = '';
  let revoked: PairResponse;
  let kept: PairResponse;
  let laterCode = '';
  let erasedCursor: unknown = null;
  const member = newMemberId();

  test('issue-pairing-code, revoke-device and request-erasure run as separate processes take effect in the running server', async () => {
    const hq = server!;
    const store = await cli('create-store', 'Main Street');
    expect(store).toMatchObject({ code: 0, err: [] });
    expect(store.out).toEqual([expect.stringMatching(/^STORE_ID=[0-9a-f-]{36}$/)]);
    storeId = store.values.STORE_ID!;

    // A code issued from the command line pairs with the running server.
    const first = await cli('issue-pairing-code', storeId);
    expect(first).toMatchObject({ code: 0, err: [] });
    revoked = await pair(hq, first.values.PAIRING_CODE!, 'Till A');
    kept = await pair(hq, (await cli('issue-pairing-code', storeId)).values.PAIRING_CODE!, 'Till B');

    const pushed = await hq.send(
      HQ_ROUTES.push,
      { ops: [enrollOp(1, member)] },
      { authorization: `Bearer ${revoked.deviceToken}` },
    );
    expect(PushResponse.parse(pushed.body).outcomes.map((o) => o.outcome)).toEqual(['applied']);
    const before = await pullText(hq, kept, 0);
    expect(before.text).toContain('Lovelace');

    const revoke = await cli('revoke-device', revoked.deviceId);
    expect(revoke).toMatchObject({ code: 0, err: [] });
    expect(revoke.out).toEqual([expect.stringMatching(/^REVOKED_AT=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)]);
    const refused = await pullText(hq, revoked, 1);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'device_revoked' });

    const erased = await cli('request-erasure', member);
    expect(erased).toMatchObject({ code: 0, err: [] });
    expect(erased.out).toEqual([expect.stringMatching(/^ERASED_AT=\d{4}-/), 'ALREADY_ERASED=false', 'OPS_SCRUBBED=1']);
    // A till that held the member hears the tombstone; a fresh snapshot no longer has the name.
    const changes = await pullText(hq, kept, 0, before.cursor);
    expect(changes.text).toContain(JSON.stringify({ kind: 'member_erased', id: member }));
    const snapshot = await pullText(hq, kept, 0);
    expect(snapshot.status).toBe(200);
    expect(snapshot.text).not.toContain('Lovelace');
    erasedCursor = before.cursor;

    const later = await cli('issue-pairing-code', storeId);
    expect(later.code).toBe(0);
    laterCode = later.values.PAIRING_CODE!;
  }, 120_000);

  test('after a restart the server still sees every command: the device stays revoked, the member erased, the code valid', async () => {
    const stopped = await server!.stop();
    expect(stopped.code).toBe(0);
    server = await startHqProcess(dir.path);
    const hq = server;
    const refused = await pullText(hq, revoked, 1);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'device_revoked' });
    const changes = await pullText(hq, kept, 0, erasedCursor);
    expect(changes.text).toContain(JSON.stringify({ kind: 'member_erased', id: member }));
    const snapshot = await pullText(hq, kept, 0);
    expect(snapshot.status).toBe(200);
    expect(snapshot.text).not.toContain('Lovelace');
    const third = await pair(hq, laterCode, 'Till C');
    expect(third.storeId).toBe(storeId);
  }, 120_000);

  test('a second HQ server on the same data folder refuses to start, and the first keeps serving', async () => {
    const second = await runHq(dir.path, ['--port', '0'], { timeoutMs: 15_000 });
    expect(second.signal).toBeNull();
    expect(second.code).toBe(2);
    expect(second.out).toEqual([]);
    expect(second.err).toEqual([expect.stringMatching(/^error: data_dir_locked: .*pid \d+/)]);
    const store = await cli('create-store', 'Still Served');
    expect(store.code).toBe(0);
    const code = await cli('issue-pairing-code', store.values.STORE_ID!);
    await pair(server!, code.values.PAIRING_CODE!, 'Till D');
  }, 60_000);
});
