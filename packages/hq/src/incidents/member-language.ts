import { LANGUAGES, type Language } from '../../../../src/shared/i18n/languages';
import type { Queryable } from '../db/database';

/**
 * The language to write to each member in. HQ keeps no "preferred language"; what it has is, first,
 * the language of the privacy notice the member was shown when they last gave or withdrew a consent
 * (consents.notice_language: the language the member read at the counter, as audiences.ts uses it),
 * then the language of their home store (store_settings.language), then English.
 */
export async function memberLanguages(q: Queryable, memberIds: readonly string[]): Promise<Map<string, Language>> {
  const found = await q.query<{ id: string; notice_language: string | null; store_language: string | null }>(
    `SELECT m.id,
            (SELECT c.notice_language FROM consents c WHERE c.member_id = m.id ORDER BY c.at DESC, c.op_id DESC LIMIT 1)
              AS notice_language,
            ss.language AS store_language
       FROM members m LEFT JOIN store_settings ss ON ss.store_id = m.home_store_id
      WHERE m.id = ANY($1::text[])`,
    [memberIds],
  );
  const known = (value: string | null): Language | null =>
    (LANGUAGES as readonly string[]).includes(value ?? '') ? (value as Language) : null;
  return new Map(
    found.rows.map((row) => [row.id, known(row.notice_language) ?? known(row.store_language) ?? 'en'] as const),
  );
}
