import { v7 } from 'uuid';

/**
 * UUIDv7 (RFC 9562) from the `uuid` package, at a given millisecond: ids sort by creation time, which
 * keeps B-tree inserts append-mostly. Callers pass their injected clock's time, hence this adapter.
 */
export const uuidv7 = (msecs: number = Date.now()): string => v7({ msecs });
