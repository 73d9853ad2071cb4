// The hand-built breach case of tests/hq/lost-till.test.ts and incidents.test.ts: two stores, three
// tills, ten members with a written-out history, put straight into HQ's tables in the shape push,
// pull, POST /v1/audit and /v1/member-data leave them (no till runs: every row is chosen by hand). The
// two erasures are HQ's real eraseMember at their times, after the history they rename.
import type { Queryable } from '../../../packages/hq/src/db/database';
import { eraseMember } from '../../../packages/hq/src/privacy/erasure';
import type { DataKeys } from '../../../packages/hq/src/keys/data-keys';
import { sealMemberContacts } from '../../../packages/hq/src/keys/sealed-columns';

/** Member ids are UUIDs: an enrolment's op id is the member's id. */
export const M = {
  anna: '00000000-0000-4000-8000-000000000001',
  boris: '00000000-0000-4000-8000-000000000002',
  vera: '00000000-0000-4000-8000-000000000003',
  gleb: '00000000-0000-4000-8000-000000000004',
  dina: '00000000-0000-4000-8000-000000000005',
  egor: '00000000-0000-4000-8000-000000000006',
  zoya: '00000000-0000-4000-8000-000000000007',
  ivan: '00000000-0000-4000-8000-000000000008',
  kira: '00000000-0000-4000-8000-000000000009',
  lev: '00000000-0000-4000-8000-000000000010',
} as const;
export type MemberName = keyof typeof M;
export const NAME_OF: Readonly<Record<string, MemberName>> = Object.fromEntries(
  Object.entries(M).map(([name, id]) => [id, name as MemberName]),
);

export const STORE_A = 'store-a';
export const STORE_B = 'store-b';
/** The lost till (store A), its neighbour in store A, and store B's till. */
export const A1 = 'till-a1';
export const A2 = 'till-a2';
export const B1 = 'till-b1';
export const CASHIER = 'staff-a-cashier';
export const OTHER_CASHIER = 'staff-a-other';

/** The lost till's last contact: HQ heard nothing from it after this. */
export const LAST_CONTACT = '2026-03-02T11:00:00.000Z';
/** When its screen may have been seen by someone else (the incident's window). */
export const WINDOW = { start: '2026-03-02T08:00:00.000Z', end: '2026-03-02T12:00:00.000Z' };
/** HQ's clock when the case is read. */
export const NOW = '2026-03-02T14:00:00.000Z';

interface MemberHistory {
  given: string;
  family: string;
  phone: string | null;
  email: string | null;
  homeStore: string;
  /** The till that enrolled them, and when HQ received the enrolment. */
  enrolledAt: string;
  enrolledOn: string;
  enrolSeq: number;
  erasedAt?: string;
  /** The language of the privacy notice they read when they consented (none: no consent row). */
  noticeLanguage?: 'en' | 'ru';
}

/**
 * The history, member by member (times UTC, 1 and 2 March 2026):
 * - anna: enrolled at A2 (1 Mar 09:00); her e-mail changed on A1 2 Mar 10:00, an hour before A1's
 *   last contact, so acknowledged; opened on A1 in the window (a view is no reveal); listed with
 *   dina by the cashier's search on A2 at 11:59.
 * - boris: enrolled on A1 itself 1 Mar 10:00, long acknowledged.
 * - vera: enrolled on A1 with an e-mail, in A1's very last push (11:00:00): not acknowledged.
 * - gleb: a store B member (B1, 1 Mar 11:00); his contacts revealed on A1 at 09:00 on 2 Mar (in the window).
 * - dina: enrolled at A2 (1 Mar 12:00); revealed on A1 on 1 Mar 15:00 (outside the window); her phone
 *   changed on A1 at 10:59:30, thirty seconds before its last contact: not acknowledged.
 * - egor: enrolled at B1 on 2 Mar 11:30, after A1's last contact: no pull delivered him.
 * - zoya: enrolled at A2, erased 2 Mar 09:00, before A1's last contact: its pull removed her.
 * - ivan: enrolled at A2, his export made on A1 at 09:45 (in the window), erased 11:30 (after the last
 *   contact): the erasure renamed his export entry, so HQ no longer knows it was his.
 * - kira: a store B member whose contacts HQ sent to A1 for a reveal at 10:40 (till_member_requests).
 * - lev: enrolled at B1, reaching HQ at 11:00:30, within the minute after A1's last recorded contact.
 */
export const HISTORY: Readonly<Record<MemberName, MemberHistory>> = {
  anna: {
    given: 'Anna',
    family: 'Petrova',
    phone: '+447700900001',
    email: 'anna@example.com',
    homeStore: STORE_A,
    enrolledAt: '2026-03-01T09:00:00.000Z',
    enrolledOn: A2,
    enrolSeq: 1,
    noticeLanguage: 'ru',
  },
  boris: {
    given: 'Boris',
    family: 'Ivanov',
    phone: '+447700900002',
    email: null,
    homeStore: STORE_A,
    enrolledAt: '2026-03-01T10:00:00.000Z',
    enrolledOn: A1,
    enrolSeq: 1,
  },
  vera: {
    given: 'Vera',
    family: 'Smirnova',
    phone: null,
    email: 'vera@example.com',
    homeStore: STORE_A,
    enrolledAt: LAST_CONTACT,
    enrolledOn: A1,
    enrolSeq: 5,
    noticeLanguage: 'en',
  },
  gleb: {
    given: 'Gleb',
    family: 'Orlov',
    phone: '+447700900004',
    email: 'gleb@example.com',
    homeStore: STORE_B,
    enrolledAt: '2026-03-01T11:00:00.000Z',
    enrolledOn: B1,
    enrolSeq: 1,
  },
  dina: {
    given: 'Dina',
    family: 'Kuznetsova',
    phone: '+447700900005',
    email: null,
    homeStore: STORE_A,
    enrolledAt: '2026-03-01T12:00:00.000Z',
    enrolledOn: A2,
    enrolSeq: 2,
    noticeLanguage: 'en',
  },
  egor: {
    given: 'Egor',
    family: 'Volkov',
    phone: '+447700900006',
    email: null,
    homeStore: STORE_B,
    enrolledAt: '2026-03-02T11:30:00.000Z',
    enrolledOn: B1,
    enrolSeq: 4,
  },
  zoya: {
    given: 'Zoya',
    family: 'Popova',
    phone: '+447700900007',
    email: null,
    homeStore: STORE_A,
    enrolledAt: '2026-03-01T13:00:00.000Z',
    enrolledOn: A2,
    enrolSeq: 3,
    erasedAt: '2026-03-02T09:00:00.000Z',
  },
  ivan: {
    given: 'Ivan',
    family: 'Sokolov',
    phone: '+447700900008',
    email: 'ivan@example.com',
    homeStore: STORE_A,
    enrolledAt: '2026-03-01T14:00:00.000Z',
    enrolledOn: A2,
    enrolSeq: 4,
    erasedAt: '2026-03-02T11:30:00.000Z',
  },
  kira: {
    given: 'Kira',
    family: 'Lebedeva',
    phone: null,
    email: 'kira@example.com',
    homeStore: STORE_B,
    enrolledAt: '2026-03-01T16:00:00.000Z',
    enrolledOn: B1,
    enrolSeq: 2,
  },
  lev: {
    given: 'Lev',
    family: 'Morozov',
    phone: '+447700900010',
    email: null,
    homeStore: STORE_B,
    enrolledAt: '2026-03-02T11:00:30.000Z',
    enrolledOn: B1,
    enrolSeq: 3,
  },
};

const card = (id: string): string => `6004993${id.slice(-8)}`;

async function op(
  q: Queryable,
  row: {
    device: string;
    seq: number;
    opId: string;
    type: string;
    staff: string;
    deviceTime: string;
    payload: object;
    receivedAt: string;
    memberId: string | null;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO ops (device_id, seq, op_id, type, staff_id, device_time, payload, outcome, reason, received_at, member_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, 'applied', NULL, $8, $9)`,
    [
      row.device,
      row.seq,
      row.opId,
      row.type,
      row.staff,
      row.deviceTime,
      JSON.stringify(row.payload),
      row.receivedAt,
      row.memberId,
    ],
  );
}

async function audit(
  q: Queryable,
  row: {
    device: string;
    seq: number;
    at: string;
    staff: string;
    action: string;
    /** The member the entry is about; null for a search (its listed members are in details). */
    member: string | null;
    details?: Record<string, string | number>;
    receivedAt: string;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO till_audit (device_id, seq, at, staff_id, action, subject_type, subject_id, details, prev_hash, hash, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)`,
    [
      row.device,
      row.seq,
      row.at,
      row.staff,
      row.action,
      row.member === null ? null : 'member',
      row.member,
      JSON.stringify(row.details ?? {}),
      `h${row.seq - 1}`,
      `h${row.seq}`,
      row.receivedAt,
    ],
  );
}

/** Puts the whole case into `q` (a migrated, empty HQ database); contacts sealed with `keys`, as HQ stores them. */
export async function buildLostTillCase(q: Queryable, keys: DataKeys): Promise<void> {
  for (const [store, name, language] of [
    [STORE_A, 'Riverside', 'en'],
    [STORE_B, 'Nevsky', 'ru'],
  ] as const) {
    await q.query('INSERT INTO stores (id, name, created_at) VALUES ($1, $2, $3)', [
      store,
      name,
      '2026-02-01T00:00:00Z',
    ]);
    await q.query(
      `INSERT INTO store_settings (store_id, language, store_region, idle_lock_seconds, earn_rules, updated_at)
       VALUES ($1, $2, 'GB', 120, NULL, $3)`,
      [store, language, '2026-02-01T00:00:00Z'],
    );
  }
  // A1's last contact is its last push (seq 5 at 11:00:00); A2 and B1 are still in touch.
  for (const [device, store, lastSeq, lastSeen] of [
    [A1, STORE_A, 5, LAST_CONTACT],
    [A2, STORE_A, 5, '2026-03-02T13:30:00Z'],
    [B1, STORE_B, 4, '2026-03-02T13:30:00Z'],
  ] as const) {
    await q.query(
      `INSERT INTO devices (id, store_id, name, token_hash, created_at, last_seq, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [device, store, device.toUpperCase(), `hash-${device}`, '2026-02-01T00:00:00Z', lastSeq, lastSeen],
    );
  }
  for (const staff of [CASHIER, OTHER_CASHIER]) {
    await q.query(
      `INSERT INTO staff (id, store_id, display_name, role, status, pin_hash, must_change_pin, version, updated_at)
       VALUES ($1, $2, $3, 'cashier', 'active', 'x', false, 1, $4)`,
      [staff, STORE_A, staff, '2026-02-01T00:00:00Z'],
    );
  }

  for (const [name, member] of Object.entries(HISTORY) as [MemberName, MemberHistory][]) {
    const id = M[name];
    await q.query(
      `INSERT INTO members (id, card_number, given_name, family_name, phone, email, birth_date, home_store_id,
         enrolled_at, updated_at, erased_at)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $8, NULL)`,
      [
        id,
        card(id),
        member.given,
        member.family,
        ...Object.values(sealMemberContacts(keys, id, { phone: member.phone, email: member.email })),
        member.homeStore,
        member.enrolledAt,
      ],
    );
    // The enrolment op as the till sent it (an erasure scrubs it later, its op id kept).
    await op(q, {
      device: member.enrolledOn,
      seq: member.enrolSeq,
      opId: id,
      type: 'member.enrolled',
      staff: member.enrolledOn === B1 ? 'staff-b' : CASHIER,
      deviceTime: member.enrolledAt,
      payload: {
        memberId: id,
        cardNumber: card(id),
        givenName: member.given,
        familyName: member.family,
        phone: member.phone,
        email: member.email,
        birthDate: null,
        enrolledAt: member.enrolledAt,
      },
      receivedAt: member.enrolledAt,
      memberId: id,
    });
    if (member.noticeLanguage) {
      await q.query(
        `INSERT INTO consents (op_id, member_id, purpose, granted, notice_version, notice_language, channel, at, store_id, device_id, staff_id)
         VALUES (gen_random_uuid(), $1, 'marketing_email', true, '2026-01', $2, 'counter', $3, $4, $5, NULL)`,
        [id, member.noticeLanguage, member.enrolledAt, member.homeStore, member.enrolledOn],
      );
    }
  }

  // A1's other ops: an earn for anna (1 Mar), anna's e-mail changed (acknowledged), dina's phone changed (not).
  await op(q, {
    device: A1,
    seq: 2,
    opId: '10000000-0000-4000-8000-000000000002',
    type: 'points.earned',
    staff: CASHIER,
    deviceTime: '2026-03-01T16:00:00.000Z',
    payload: { memberId: M.anna, kind: 'earn', points: 10 },
    receivedAt: '2026-03-01T16:00:05.000Z',
    memberId: M.anna,
  });
  await op(q, {
    device: A1,
    seq: 3,
    opId: '10000000-0000-4000-8000-000000000003',
    type: 'member.updated',
    staff: CASHIER,
    deviceTime: '2026-03-02T09:59:50.000Z',
    payload: { memberId: M.anna, changes: { email: 'anna.new@example.com' }, updatedAt: '2026-03-02T09:59:50.000Z' },
    receivedAt: '2026-03-02T10:00:00.000Z',
    memberId: M.anna,
  });
  await op(q, {
    device: A1,
    seq: 4,
    opId: '10000000-0000-4000-8000-000000000004',
    type: 'member.updated',
    staff: CASHIER,
    deviceTime: '2026-03-02T10:59:00.000Z',
    payload: { memberId: M.dina, changes: { phone: '+447700900055' }, updatedAt: '2026-03-02T10:59:00.000Z' },
    receivedAt: '2026-03-02T10:59:30.000Z',
    memberId: M.dina,
  });
  // On A2 the same cashier earns for lev after opening his record (2 Mar 13:05).
  await op(q, {
    device: A2,
    seq: 5,
    opId: '10000000-0000-4000-8000-000000000005',
    type: 'points.earned',
    staff: CASHIER,
    deviceTime: '2026-03-02T13:05:00.000Z',
    payload: { memberId: M.lev, kind: 'earn', points: 5 },
    receivedAt: '2026-03-02T13:05:10.000Z',
    memberId: M.lev,
  });

  // The tills' audit chains HQ holds.
  const a1Received = '2026-03-02T10:30:00.000Z';
  await audit(q, {
    device: A1,
    seq: 1,
    at: '2026-03-01T15:00:00.000Z',
    staff: CASHIER,
    action: 'member.contacts_revealed',
    member: M.dina,
    receivedAt: a1Received,
  });
  await audit(q, {
    device: A1,
    seq: 2,
    at: '2026-03-02T09:00:00.000Z',
    staff: CASHIER,
    action: 'member.contacts_revealed',
    member: M.gleb,
    receivedAt: a1Received,
  });
  await audit(q, {
    device: A1,
    seq: 3,
    at: '2026-03-02T09:30:00.000Z',
    staff: CASHIER,
    action: 'member.viewed',
    member: M.anna,
    receivedAt: a1Received,
  });
  await audit(q, {
    device: A1,
    seq: 4,
    at: '2026-03-02T09:45:00.000Z',
    staff: CASHIER,
    action: 'member.exported',
    member: M.ivan,
    receivedAt: a1Received,
  });
  // A reveal of a member erased since: the erasure renamed the subject, so HQ cannot say who.
  await audit(q, {
    device: A1,
    seq: 5,
    at: '2026-03-02T09:50:00.000Z',
    staff: OTHER_CASHIER,
    action: 'member.contacts_revealed',
    member: 'es_renamed-by-erasure',
    receivedAt: a1Received,
  });
  const a2Received = '2026-03-02T13:30:00.000Z';
  // A search lists members (details.memberIds, joined by ','); it has no subject.
  await audit(q, {
    device: A2,
    seq: 1,
    at: '2026-03-02T11:59:00.000Z',
    staff: CASHIER,
    action: 'member.searched',
    member: null,
    details: { by: 'name', results: 2, memberIds: `${M.dina},${M.anna}` },
    receivedAt: a2Received,
  });
  await audit(q, {
    device: A2,
    seq: 2,
    at: '2026-03-02T12:00:00.000Z',
    staff: CASHIER,
    action: 'member.viewed',
    member: M.dina,
    receivedAt: a2Received,
  });
  await audit(q, {
    device: A2,
    seq: 3,
    at: '2026-03-02T13:00:00.000Z',
    staff: CASHIER,
    action: 'member.viewed',
    member: M.lev,
    receivedAt: a2Received,
  });
  await audit(q, {
    device: A2,
    seq: 4,
    at: '2026-03-02T13:10:00.000Z',
    staff: OTHER_CASHIER,
    action: 'member.viewed',
    member: M.boris,
    receivedAt: a2Received,
  });

  // HQ sent kira's contacts to A1 for a reveal (its own record; the till's entry had not arrived).
  await q.query(
    `INSERT INTO till_member_requests (request_id, device_id, staff_id, member_id, kind, reason_code, at)
     VALUES ('20000000-0000-4000-8000-000000000001', $1, $2, $3, 'contacts', 'member_support', '2026-03-02T10:40:00Z')`,
    [A1, CASHIER, M.kira],
  );

  // A1's last day end counted 7 ops; HQ received 5.
  await q.query(
    `INSERT INTO day_ends (id, device_id, from_seq, to_seq, manifest, report, status, received_at)
     VALUES ('30000000-0000-4000-8000-000000000001', $1, 0, 7, $2::jsonb, '{}'::jsonb, 'mismatch', '2026-03-02T10:50:00Z')`,
    [
      A1,
      JSON.stringify({
        fromSeq: 0,
        toSeq: 7,
        counts: { 'member.enrolled': 4, 'member.updated': 2, 'points.earned': 1 },
      }),
    ],
  );

  // The erasures, as HQ carries them out: the history above renamed to random tokens.
  for (const [name, member] of Object.entries(HISTORY) as [MemberName, MemberHistory][]) {
    if (member.erasedAt !== undefined) await eraseMember(q, M[name], new Date(member.erasedAt));
  }
}
