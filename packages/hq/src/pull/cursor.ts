/**
 * The pull cursor, opaque to devices. `c.<txid>.<seq>`: the change log after that position.
 * `s.<txid>.<member id, base64url>`: a snapshot in progress, members after that id, then the log
 * from `(txid, 0)`. txid is HQ's transaction id (xid8): positions are compared as (txid, seq).
 */
export type Cursor = { kind: 'log'; txid: bigint; seq: bigint } | { kind: 'snapshot'; txid: bigint; afterId: string };

export function encodeCursor(cursor: Cursor): string {
  return cursor.kind === 'log'
    ? `c.${cursor.txid}.${cursor.seq}`
    : `s.${cursor.txid}.${Buffer.from(cursor.afterId, 'utf8').toString('base64url')}`;
}

const MAX_XID8 = 2n ** 64n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;

/** null for a cursor HQ never made (the schema already checked its shape). */
export function decodeCursor(text: string): Cursor | null {
  const match = /^([cs])\.([0-9]{1,20})\.([0-9A-Za-z_-]*)$/.exec(text);
  if (!match) return null;
  const [, kind, txidText, rest] = match as unknown as [string, 'c' | 's', string, string];
  const txid = BigInt(txidText);
  if (txid > MAX_XID8) return null;
  if (kind === 'c') {
    if (!/^[0-9]{1,19}$/.test(rest) || BigInt(rest) > MAX_BIGINT) return null;
    return { kind: 'log', txid, seq: BigInt(rest) };
  }
  return { kind: 'snapshot', txid, afterId: Buffer.from(rest, 'base64url').toString('utf8') };
}
