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

/** null for a cursor HQ never made (the schema already checked its shape). */
export function decodeCursor(text: string): Cursor | null {
  const match = /^([cs])\.([0-9]{1,20})\.([0-9A-Za-z_-]*)$/.exec(text);
  if (!match) return null;
  const [, kind, txid, rest] = match as unknown as [string, 'c' | 's', string, string];
  if (kind === 'c') return /^[0-9]{1,20}$/.test(rest) ? { kind: 'log', txid: BigInt(txid), seq: BigInt(rest) } : null;
  return { kind: 'snapshot', txid: BigInt(txid), afterId: Buffer.from(rest, 'base64url').toString('utf8') };
}
