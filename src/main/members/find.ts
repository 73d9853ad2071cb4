import { contactLookupHash } from '../../node-shared/contact-lookup-hash';
import type { Database, Statement } from 'better-sqlite3-multiple-ciphers';
import { compactCardNumber, isValidCardNumber } from '../../shared/members/card-number';
import { nameTokens, normalizeEmail } from '../../shared/members/normalize';
import { looksLikePhone, normalizePhone } from '../../shared/members/phone';
import { emailSchema, type FindResponse } from '../../shared/members/schemas';
import { mapSqliteError } from '../db/errors';

import { MEMBER_SUMMARY_COLUMNS, toMemberSummary, type MemberRow } from './member-row';

export const FIND_LIMIT = 50;

export interface FindDeps {
  db: Database;
  lookupKey: string;
  storeRegion: () => string;
}

/**
 * The smallest string greater than every string starting with `prefix`, for index range scans.
 * SQLite compares TEXT as UTF-8 bytes, which is code point order: step the last code point, skip
 * the surrogate range, and drop a last U+10FFFF (nothing follows it) to bound on the shorter prefix.
 */
export function prefixUpperBound(prefix: string): string {
  const chars = [...prefix];
  for (let char = chars.pop(); char !== undefined; char = chars.pop()) {
    const last = char.codePointAt(0) ?? 0;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return chars.join('') + String.fromCodePoint(next);
    }
  }
  return '\u{10FFFF}\u{10FFFF}';
}

/**
 * One search box for everything staff type or scan. The query is read as every kind it could be
 * (a 10-digit number can be both a card and a phone), and the matches are merged.
 */
export function createFindMembers(deps: FindDeps): (query: string) => FindResponse {
  const { db } = deps;
  const select = `SELECT ${MEMBER_SUMMARY_COLUMNS} FROM members m`;
  const byCard = db.prepare<[string], MemberRow>(`${select} WHERE m.card_number = ?`);
  const byPhone = db.prepare<[Buffer, number], MemberRow>(`${select} WHERE m.phone_hash = ? LIMIT ?`);
  const byEmail = db.prepare<[Buffer, number], MemberRow>(`${select} WHERE m.email_hash = ? LIMIT ?`);
  const nameQueries = new Map<number, Statement<(string | number)[], MemberRow>>();

  function nameQuery(extraTokens: number) {
    let statement = nameQueries.get(extraTokens);
    if (!statement) {
      const extra = Array.from(
        { length: extraTokens },
        () =>
          'AND EXISTS (SELECT 1 FROM member_name_tokens t2 WHERE t2.member_id = t.member_id AND t2.token >= ? AND t2.token < ?)',
      ).join(' ');
      // Walk the token index in order and stop at the limit: cost grows with the page, not the cache.
      statement = db.prepare<(string | number)[], MemberRow>(
        `${select} JOIN (SELECT DISTINCT t.member_id FROM member_name_tokens t
           WHERE t.token >= ? AND t.token < ? ${extra} LIMIT ?) hit ON hit.member_id = m.id`,
      );
      nameQueries.set(extraTokens, statement);
    }
    return statement;
  }

  function findByName(words: string[], limit: number): MemberRow[] {
    // Start the range scan from the longest word: it is the most selective.
    const sorted = [...words].sort((a, b) => b.length - a.length);
    const params: (string | number)[] = [];
    for (const word of sorted) params.push(word, prefixUpperBound(word));
    params.push(limit);
    return nameQuery(sorted.length - 1).all(...params);
  }

  return (rawQuery) => {
    const query = rawQuery.trim();
    const matchedAs: FindResponse['matchedAs'] = [];
    const found = new Map<string, MemberRow>();
    const add = (rows: MemberRow[]) => {
      for (const row of rows) if (!found.has(row.id)) found.set(row.id, row);
    };
    const fetchLimit = FIND_LIMIT + 1;
    try {
      const compact = compactCardNumber(query);
      if (/^\d+$/.test(compact) && isValidCardNumber(compact)) {
        matchedAs.push('card');
        add(byCard.all(compact));
      }
      if (query.includes('@')) {
        const email = normalizeEmail(query);
        if (emailSchema.safeParse(email).success) {
          matchedAs.push('email');
          add(byEmail.all(contactLookupHash(deps.lookupKey, 'email', email), fetchLimit));
        }
      } else if (looksLikePhone(query)) {
        const phone = normalizePhone(query, deps.storeRegion());
        if (phone) {
          matchedAs.push('phone');
          add(byPhone.all(contactLookupHash(deps.lookupKey, 'phone', phone), fetchLimit));
        }
      } else if (/\p{L}/u.test(query)) {
        const words = nameTokens(query);
        if (words.length > 0 && words.length <= 4) {
          matchedAs.push('name');
          add(findByName(words, fetchLimit));
        }
      }
    } catch (error) {
      throw mapSqliteError(error);
    }
    const members = [...found.values()];
    return {
      matchedAs: matchedAs.length > 0 ? matchedAs : ['none'],
      members: members.slice(0, FIND_LIMIT).map(toMemberSummary),
      truncated: members.length > FIND_LIMIT,
    };
  };
}
