import type { Database } from 'better-sqlite3-multiple-ciphers';
import { AppError } from '../../shared/errors';
import { withCheckDigit } from '../../shared/members/card-number';

export interface CardBlock {
  prefix: string;
  width: number;
  next: number;
  last: number;
}

/**
 * This till's block of card numbers (assigned by HQ at pairing; demo data until then). A number is
 * taken only when a member is enrolled with it, so a cancelled form wastes nothing.
 */
export function createCardBlock(db: Database) {
  const read = db.prepare<[], CardBlock>('SELECT prefix, width, next, last FROM card_block WHERE id = 1');
  const write = db.prepare(
    `INSERT INTO card_block (id, prefix, width, next, last) VALUES (1, @prefix, @width, @next, @last)
     ON CONFLICT (id) DO UPDATE SET prefix = excluded.prefix, width = excluded.width, next = excluded.next, last = excluded.last`,
  );
  const advance = db.prepare<[number]>('UPDATE card_block SET next = ? WHERE id = 1');
  const inUse = db.prepare<[string], { id: string }>('SELECT id FROM members WHERE card_number = ?');
  const numberAt = (block: CardBlock, n: number) => withCheckDigit(block.prefix + String(n).padStart(block.width, '0'));

  /** The next number of the block no member holds yet (a pre-printed card may already use one). */
  function peek(): { cardNumber: string; position: number } {
    const block = read.get();
    if (!block) throw new AppError('card_block_missing', 'This till has no card numbers of its own yet.');
    for (let n = block.next; n <= block.last; n++) {
      const cardNumber = numberAt(block, n);
      if (!inUse.get(cardNumber)) return { cardNumber, position: n };
    }
    throw new AppError('card_block_exhausted', "This till's card numbers are used up; scan a pre-printed card.");
  }

  return {
    current: (): CardBlock | null => read.get() ?? null,
    peek: () => peek().cardNumber,
    /** Inside the enrolment transaction: moves the block past `cardNumber` if it came from it. */
    markUsed(cardNumber: string) {
      const block = read.get();
      if (!block || !cardNumber.startsWith(block.prefix)) return;
      const body = cardNumber.slice(block.prefix.length, -1);
      if (body.length !== block.width || !/^\d+$/.test(body)) return;
      const n = Number(body);
      if (n >= block.next && n <= block.last && numberAt(block, n) === cardNumber) advance.run(n + 1);
    },
    set(block: CardBlock) {
      write.run(block);
    },
  };
}

export type CardBlockService = ReturnType<typeof createCardBlock>;
