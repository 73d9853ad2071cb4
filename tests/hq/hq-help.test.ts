import { readdirSync } from 'node:fs';
import { expect, test } from 'vitest';
import { makeTempDir } from '../support/temp-dir';
import { runHq } from './support/hq-process';

test('npm run hq -- --help prints the usage and one line per admin command, opens nothing and exits 0', async () => {
  const dir = makeTempDir('loyalty-hq-help-');
  try {
    const run = await runHq(dir.path, ['--help']);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      'usage: npm run hq -- [--data-dir DIR] [--port N] [--host H] [--cert FILE --key FILE] [--public-url URL] [--demo [--demo-members N] [--demo-tills N]]',
      '       npm run hq -- [--data-dir DIR] COMMAND …   (to the running HQ; LOYALTY_HQ_TOKEN=<API token>)',
      '  create-admin --email EMAIL --name NAME',
      '  create-store NAME',
      '  list-stores',
      '  issue-pairing-code STORE_ID',
      '  list-devices [--store STORE_ID]',
      '  revoke-device DEVICE_ID [--approval APPROVAL_ID]',
      '  add-staff (--store STORE_ID | --chain) --name NAME --role cashier|manager',
      '  set-staff-status STAFF_ID active|inactive',
      '  reset-staff-pin STAFF_ID',
      '  load-catalog FILE.json',
      '  request-erasure MEMBER_ID [--reason member_request|left_program|consent_withdrawn|unlawful_processing] [--approval APPROVAL_ID]',
      '  list-overdrafts [--store STORE_ID]',
      '  list-rejected [--store STORE_ID] [--device DEVICE_ID]',
      '  list-flagged [--store STORE_ID] [--reason earn_recomputed|redeem_recomputed|reversal_recomputed]',
      '  verify-audit',
      '  export-audit',
      '  mail-relay --smtp smtp://HOST:PORT --from ADDRESS [--once]',
    ]);
    expect(run.err).toEqual([]);
    // No database, certificate, key or lock file was made in the data folder.
    expect(readdirSync(dir.path)).toEqual([]);
  } finally {
    dir.remove();
  }
});
