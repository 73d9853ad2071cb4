import { describe, expect, it } from 'vitest';
import type { ActivityEvent, ActivityKind, MemberRelation } from '../../src/shared/detection/activity';
import { detectFindings, ruleMode } from '../../src/shared/detection/evaluate';
import {
  DEFAULT_DETECTION_POLICY,
  TILL_RULES,
  type DetectionPolicy,
  type RuleSetting,
  type StoreHours,
  type TillRuleId,
} from '../../src/shared/detection/policy';

/** A policy with every rule off but the one under test. */
function only(rule: TillRuleId, setting: Omit<RuleSetting, 'mode'>, storeHours: StoreHours | null = null) {
  const rules = Object.fromEntries(
    TILL_RULES.map((id) => [id, { ...DEFAULT_DETECTION_POLICY.rules[id], mode: 'off' }]),
  ) as DetectionPolicy['rules'];
  rules[rule] = { ...setting, mode: 'notify' };
  return { ...DEFAULT_DETECTION_POLICY, rules, storeHours } satisfies DetectionPolicy;
}

let seq = 0;
/** An event at 2026-01-05 (winter: London time is UTC) hh:mm[:ss] UTC. */
function ev(
  time: string,
  kind: ActivityKind,
  memberId: string | null = null,
  extra: { staffId?: string; points?: number; relation?: MemberRelation; day?: string } = {},
): ActivityEvent {
  const { staffId = 's1', day = '2026-01-05', ...rest } = extra;
  const at = `${day}T${time.length === 5 ? `${time}:00` : time}.000Z`;
  return { at, staffId, kind, memberId, auditSeq: ++seq, deviceId: 'till-1', ...rest };
}

/** The findings without their audit refs (checked on their own where they matter). */
const brief = (findings: ReturnType<typeof detectFindings>) => findings.map(({ auditRefs: _refs, ...rest }) => rest);

describe('members_opened', () => {
  const policy = only('members_opened', { threshold: 3, windowMinutes: 10 });

  it('fires at the open that makes more than the threshold of distinct members in the window', () => {
    seq = 0;
    const events = [
      ev('10:00', 'member_opened', 'm1'),
      ev('10:03', 'member_opened', 'm2'),
      ev('10:06', 'contacts_revealed', 'm3'),
      ev('10:07', 'member_opened', 'm1'), // m1 again: still three distinct
      ev('10:09', 'member_opened', 'm4'),
    ];
    expect(detectFindings(policy, events)).toEqual([
      {
        rule: 'members_opened',
        staffId: 's1',
        at: '2026-01-05T10:09:00.000Z',
        windowStart: '2026-01-05T10:00:00.000Z',
        windowEnd: '2026-01-05T10:09:00.000Z',
        count: 4,
        threshold: 3,
        memberIds: ['m2', 'm3', 'm1', 'm4'],
        auditRefs: [1, 2, 3, 4, 5].map((s) => ({ deviceId: 'till-1', seq: s })),
      },
    ]);
  });

  it('an open exactly a window before no longer counts', () => {
    const events = [
      ev('10:00', 'member_opened', 'm1'),
      ev('10:03', 'member_opened', 'm2'),
      ev('10:06', 'member_opened', 'm3'),
      ev('10:10', 'member_opened', 'm4'), // (10:00, 10:10]: m2 m3 m4
      ev('10:11', 'member_opened', 'm5'), // (10:01, 10:11]: m2 m3 m4 m5
    ];
    expect(brief(detectFindings(policy, events)).map((f) => [f.at, f.count, f.windowStart])).toEqual([
      ['2026-01-05T10:11:00.000Z', 4, '2026-01-05T10:03:00.000Z'],
    ]);
  });

  it('fires once per window for one staff member, then again once a whole window has passed', () => {
    const events = [
      ...['m1', 'm2', 'm3', 'm4'].map((m, i) => ev(`10:0${i}`, 'member_opened', m)), // fires at 10:03
      ev('10:05', 'member_opened', 'm5'),
      ev('10:12', 'member_opened', 'm6'), // (10:02, 10:12]: m3 m4 m5 m6 = 4, but within 10 minutes of 10:03
      ev('10:13', 'member_opened', 'm7'), // cool-down over, but (10:03, 10:13]: m5 m6 m7 = 3
      ev('10:13:30', 'member_opened', 'm8'), // (10:03:30, 10:13:30]: m5 m6 m7 m8 = 4 → fires
    ];
    expect(brief(detectFindings(policy, events)).map((f) => [f.at, f.count])).toEqual([
      ['2026-01-05T10:03:00.000Z', 4],
      ['2026-01-05T10:13:30.000Z', 4],
    ]);
  });

  it('counts each staff member apart, in any input order', () => {
    const events = [
      ev('10:00', 'member_opened', 'm1'),
      ev('10:01', 'member_opened', 'm2', { staffId: 's2' }),
      ev('10:02', 'member_opened', 'm3'),
      ev('10:03', 'member_opened', 'm4', { staffId: 's2' }),
      ev('10:04', 'member_opened', 'm5'),
      ev('10:05', 'member_opened', 'm6', { staffId: 's2' }),
    ].reverse();
    expect(detectFindings(policy, events)).toEqual([]);
  });

  it('off never fires; notify and enforce fire alike (the caller copies the mode)', () => {
    const events = ['m1', 'm2', 'm3', 'm4'].map((m, i) => ev(`10:0${i}`, 'member_opened', m));
    const withMode = (mode: 'off' | 'notify' | 'enforce') => ({
      ...policy,
      rules: { ...policy.rules, members_opened: { ...policy.rules.members_opened, mode } },
    });
    expect(detectFindings(withMode('off'), events)).toEqual([]);
    expect(brief(detectFindings(withMode('enforce'), events))).toEqual(
      brief(detectFindings(withMode('notify'), events)),
    );
    expect(detectFindings(withMode('enforce'), events)).toHaveLength(1);
    expect(ruleMode(withMode('enforce'), 'members_opened')).toBe('enforce');
    expect(ruleMode(withMode('enforce'), 'baseline_deviation')).toBe('notify');
  });

  it('after: only findings strictly after it; raised: no second alert within a window either side', () => {
    const events = [
      ...['m1', 'm2', 'm3', 'm4'].map((m, i) => ev(`10:0${i}`, 'member_opened', m)), // fires at 10:03
      ...['m5', 'm6', 'm7', 'm8'].map((m, i) => ev(`10:2${i}`, 'member_opened', m)), // fires at 10:23
    ];
    const ats = (options: Parameters<typeof detectFindings>[2]) =>
      detectFindings(policy, events, options).map((f) => f.at);
    expect(ats({})).toEqual(['2026-01-05T10:03:00.000Z', '2026-01-05T10:23:00.000Z']);
    expect(ats({ after: '2026-01-05T10:03:00.000Z' })).toEqual(['2026-01-05T10:23:00.000Z']);
    expect(ats({ after: '2026-01-05T10:23:00.000Z' })).toEqual([]);
    // A till raised it at 10:18: HQ's 10:23 is the same alert; 10:03 is a window before it.
    expect(ats({ raised: [{ rule: 'members_opened', staffId: 's1', at: '2026-01-05T10:18:00.000Z' }] })).toEqual([
      '2026-01-05T10:03:00.000Z',
    ]);
    // Another rule's or another staff member's alert changes nothing.
    expect(
      ats({
        raised: [
          { rule: 'exports', staffId: 's1', at: '2026-01-05T10:22:00.000Z' },
          { rule: 'members_opened', staffId: 's2', at: '2026-01-05T10:22:00.000Z' },
        ],
      }),
    ).toHaveLength(2);
  });

  it('names at most 50 members and 50 audit entries, the latest ones', () => {
    const many = only('members_opened', { threshold: 59, windowMinutes: 120 });
    const events = Array.from({ length: 60 }, (_, i) =>
      ev(`10:${String(i).padStart(2, '0')}`, 'member_opened', `m${i}`),
    );
    const [finding] = detectFindings(many, events);
    expect(finding?.count).toBe(60);
    expect(finding?.memberIds).toHaveLength(50);
    expect(finding?.memberIds[0]).toBe('m10');
    expect(finding?.memberIds[49]).toBe('m59');
    expect(finding?.auditRefs).toHaveLength(50);
    expect(finding?.auditRefs[49]).toEqual({ deviceId: 'till-1', seq: events[59]!.auditSeq });
  });
});

describe('lookups_without_sale', () => {
  const policy = only('lookups_without_sale', { threshold: 1, windowMinutes: 60 });
  const events = () => {
    seq = 0;
    return [
      ev('09:50', 'transaction', 'm0'), // enrolled, then opened: served
      ev('10:00', 'member_opened', 'm0'), // seq 2
      ev('10:00', 'member_opened', 'm1'), // seq 3
      ev('10:03', 'transaction', 'm1'), // served
      ev('10:05', 'member_opened', 'm2'), // seq 5: no sale
      ev('10:10', 'member_opened', 'm3'), // seq 6: no sale
      ev('10:12', 'member_opened', 'm3'), // seq 7: the same visit; its follow-up ends 10:27
      ev('10:14', 'member_opened', 'm4'), // seq 8
      ev('10:20', 'transaction', 'm4', { staffId: 's2' }), // another staff member's sale does not serve s1's open
    ];
  };

  it('fires when the follow-up of the open that makes more than the threshold has passed', () => {
    expect(detectFindings(policy, events(), { now: '2026-01-05T10:40:00.000Z' })).toEqual([
      {
        rule: 'lookups_without_sale',
        staffId: 's1',
        // m2 is decided at 10:20, m3 at 10:27 (its last open + 15 minutes): the second one fires;
        // m4 (decided 10:29) falls in the cool-down.
        at: '2026-01-05T10:27:00.000Z',
        windowStart: '2026-01-05T10:05:00.000Z',
        windowEnd: '2026-01-05T10:27:00.000Z',
        count: 2,
        threshold: 1,
        memberIds: ['m2', 'm3'],
        auditRefs: [5, 6, 7].map((s) => ({ deviceId: 'till-1', seq: s })),
      },
    ]);
  });

  it('an open straight after a search by card is the cardholder at the counter: not counted', () => {
    const lookup = (time: string, by: string) => ({ ...ev(time, 'lookup'), by });
    const events = [
      lookup('10:00', 'card'),
      ev('10:00:20', 'member_opened', 'm1'), // card present
      ev('10:01', 'member_opened', 'm2'), // no search of its own: the card search covered m1 only
      lookup('10:02', 'name'),
      ev('10:02:10', 'member_opened', 'm3'), // by name: counted
      lookup('10:03', 'card'),
      ev('10:05:01', 'member_opened', 'm4'), // more than 2 minutes after the card search: counted
    ];
    const findings = detectFindings(policy, events, { now: '2026-01-05T11:00:00.000Z' });
    expect(findings.map((f) => [f.at, f.count, f.memberIds])).toEqual([['2026-01-05T10:17:10.000Z', 2, ['m2', 'm3']]]);
    const all = detectFindings(only('lookups_without_sale', { threshold: 2, windowMinutes: 60 }), events, {
      now: '2026-01-05T11:00:00.000Z',
    });
    expect(all.map((f) => [f.at, f.count, f.memberIds])).toEqual([['2026-01-05T10:20:01.000Z', 3, ['m2', 'm3', 'm4']]]);
  });

  it('a search by name, phone or e-mail whose list is only read is one lookup without sale', () => {
    seq = 0;
    const search = (time: string, by: string, listed: string[]) => ({
      ...ev(time, 'lookup'),
      by,
      listedMemberIds: listed,
    });
    const events = [
      search('10:00', 'name', ['n1', 'n2', 'n3']), // seq 1: read and left
      search('10:01', 'phone', ['p1', 'p2']), // seq 2: p2 opened and served — the customer at the counter
      ev('10:01:30', 'member_opened', 'p2'),
      ev('10:03', 'transaction', 'p2'),
      search('10:04', 'email', ['e1']), // seq 5: e1 earned on without an open: served
      ev('10:05', 'transaction', 'e1'),
      search('10:06', 'card', ['c1']), // seq 7: a card search lists the cardholder: never this rule
      search('10:07', 'name', []), // seq 8: nobody listed
      search('10:08', 'name', ['n4', 'n5']), // seq 9: read and left
      search('10:09', 'name', ['n5', 'n4']), // seq 10: the same list again: counted once
    ];
    const findings = detectFindings(policy, events, { now: '2026-01-05T11:00:00.000Z' });
    // Decided 15 minutes after each search: 10:15 (one), 10:23 (two: fires), 10:24 (the same list).
    expect(brief(findings)).toEqual([
      {
        rule: 'lookups_without_sale',
        staffId: 's1',
        at: '2026-01-05T10:23:00.000Z',
        windowStart: '2026-01-05T10:00:00.000Z',
        windowEnd: '2026-01-05T10:23:00.000Z',
        count: 2,
        threshold: 1,
        memberIds: ['n1', 'n2', 'n3', 'n4', 'n5'],
      },
    ]);
    expect(findings[0]?.auditRefs).toEqual([1, 9].map((s) => ({ deviceId: 'till-1', seq: s })));
    // Not yet decided before the follow-up has passed.
    expect(detectFindings(policy, events, { now: '2026-01-05T10:22:59.000Z' })).toEqual([]);
  });

  it('a listed member opened with no sale is that open’s lookup, not a second one; lists never count as opens', () => {
    seq = 0;
    const search = (time: string, listed: string[]) => ({ ...ev(time, 'lookup'), by: 'name', listedMemberIds: listed });
    const events = [search('10:00', ['a1', 'a2', 'a3']), ev('10:00:20', 'member_opened', 'a2')];
    const two = only('lookups_without_sale', { threshold: 0, windowMinutes: 60 });
    expect(detectFindings(two, events, { now: '2026-01-05T11:00:00.000Z' }).map((f) => [f.count, f.memberIds])).toEqual(
      [[1, ['a2']]],
    );
    // 60 members listed by three searches, none opened: members_opened (more than 1) stays quiet.
    const lists = [0, 1, 2].map((n) =>
      search(
        `10:1${n}`,
        Array.from({ length: 20 }, (_, i) => `l${n}-${i}`),
      ),
    );
    expect(detectFindings(only('members_opened', { threshold: 1, windowMinutes: 60 }), lists)).toEqual([]);
  });

  it('waits for the follow-up: nothing until `now` (or a later event) passes it', () => {
    // The latest event is 10:20: m2 is decided (10:20), m3 not yet (10:27).
    expect(detectFindings(policy, events())).toEqual([]);
    expect(detectFindings(policy, events(), { now: '2026-01-05T10:26:59.000Z' })).toEqual([]);
    expect(
      detectFindings(policy, events(), { now: '2026-01-05T10:27:00.000Z', after: '2026-01-05T10:20:00.000Z' }).map(
        (f) => [f.at, f.count],
      ),
    ).toEqual([['2026-01-05T10:27:00.000Z', 2]]);
  });
});

describe('after_hours', () => {
  const london: StoreHours = { opens: '08:00', closes: '21:00', timeZone: 'Europe/London' };
  const policy = only('after_hours', { threshold: 0, windowMinutes: 60 }, london);

  it('fires at a member access outside the hours; searches and sales are not accesses', () => {
    const events = [
      ev('20:59', 'member_opened', 'm1'), // inside
      ev('21:05', 'lookup'),
      ev('21:06', 'transaction', 'm1'),
      ev('21:10', 'member_opened', 'm2'), // outside → fires
      ev('21:20', 'contacts_revealed', 'm2'), // cool-down
      ev('22:10', 'member_exported', 'm3'), // a window later → fires
      ev('23:30', 'correction', 'm4', { points: 10 }), // → fires
      ev('07:59', 'member_opened', 'm5', { day: '2026-01-06' }), // before opening → fires
      ev('08:00', 'member_opened', 'm6', { day: '2026-01-06' }), // opening time is inside
    ];
    expect(brief(detectFindings(policy, events)).map((f) => [f.at, f.count, f.memberIds])).toEqual([
      ['2026-01-05T21:10:00.000Z', 1, ['m2']],
      ['2026-01-05T22:10:00.000Z', 2, ['m2', 'm3']], // (21:10, 22:10] also holds the 21:20 reveal
      ['2026-01-05T23:30:00.000Z', 1, ['m4']],
      ['2026-01-06T07:59:00.000Z', 1, ['m5']],
    ]);
  });

  it('a search outside the hours that listed members is an access (the list shows them); one that listed nobody is not', () => {
    seq = 0;
    const events = [
      { ...ev('21:30', 'lookup'), by: 'name', listedMemberIds: [] },
      { ...ev('21:31', 'lookup'), by: 'name', listedMemberIds: ['m7', 'm8'] },
    ];
    expect(brief(detectFindings(policy, events)).map((f) => [f.at, f.count, f.memberIds])).toEqual([
      ['2026-01-05T21:31:00.000Z', 1, ['m7', 'm8']],
    ]);
  });

  it('counts with the threshold: more than 2 accesses in the window', () => {
    const three = only('after_hours', { threshold: 2, windowMinutes: 60 }, london);
    const events = [
      ev('21:10', 'member_opened', 'm1'),
      ev('21:20', 'member_opened', 'm1'),
      ev('22:15', 'member_opened', 'm2'), // 21:10 has left the window: 2
      ev('22:16', 'member_opened', 'm3'), // 3 → fires
    ];
    expect(brief(detectFindings(three, events)).map((f) => [f.at, f.count, f.windowStart])).toEqual([
      ['2026-01-05T22:16:00.000Z', 3, '2026-01-05T21:20:00.000Z'],
    ]);
  });

  it('without store hours it never fires', () => {
    const events = [ev('03:00', 'member_opened', 'm1')];
    expect(detectFindings(only('after_hours', { threshold: 0, windowMinutes: 60 }, null), events)).toEqual([]);
  });

  it('follows the clocks in summer (BST: 21:00 local is 20:00 UTC)', () => {
    const events = [
      ev('07:30', 'member_opened', 'm1', { day: '2026-07-06' }), // 08:30 BST: inside
      ev('20:30', 'member_opened', 'm2', { day: '2026-07-06' }), // 21:30 BST: outside
    ];
    expect(detectFindings(policy, events).map((f) => f.at)).toEqual(['2026-07-06T20:30:00.000Z']);
  });
});

describe('large_correction', () => {
  const policy = only('large_correction', { threshold: 2_000, windowMinutes: 60 });

  it('fires per correction above the threshold, then cools down for the window', () => {
    seq = 0;
    const events = [
      ev('10:00', 'correction', 'm1', { points: 2_000 }), // not more than 2000
      ev('10:05', 'correction', 'm2', { points: 2_001 }), // seq 2 → fires
      ev('10:30', 'correction', 'm3', { points: 5_000 }), // cool-down
      ev('11:05', 'correction', 'm4', { points: 3_000 }), // a window after 10:05 → fires
    ];
    expect(detectFindings(policy, events)).toEqual([
      {
        rule: 'large_correction',
        staffId: 's1',
        at: '2026-01-05T10:05:00.000Z',
        windowStart: '2026-01-05T10:05:00.000Z',
        windowEnd: '2026-01-05T10:05:00.000Z',
        count: 2_001,
        threshold: 2_000,
        memberIds: ['m2'],
        auditRefs: [{ deviceId: 'till-1', seq: 2 }],
      },
      {
        rule: 'large_correction',
        staffId: 's1',
        at: '2026-01-05T11:05:00.000Z',
        windowStart: '2026-01-05T11:05:00.000Z',
        windowEnd: '2026-01-05T11:05:00.000Z',
        count: 3_000,
        threshold: 2_000,
        memberIds: ['m4'],
        auditRefs: [{ deviceId: 'till-1', seq: 4 }],
      },
    ]);
  });
});

describe('pin_failures', () => {
  const policy = only('pin_failures', { threshold: 2, windowMinutes: 15 });

  it('fires at more than the threshold of failures within the window', () => {
    const inside = [ev('10:00', 'pin_failure'), ev('10:05', 'pin_failure'), ev('10:14:59', 'pin_failure')];
    expect(brief(detectFindings(policy, inside))).toEqual([
      {
        rule: 'pin_failures',
        staffId: 's1',
        at: '2026-01-05T10:14:59.000Z',
        windowStart: '2026-01-05T10:00:00.000Z',
        windowEnd: '2026-01-05T10:14:59.000Z',
        count: 3,
        threshold: 2,
        memberIds: [],
      },
    ]);
  });

  it('a failure exactly a window earlier has left it', () => {
    const spread = [ev('10:00', 'pin_failure'), ev('10:05', 'pin_failure'), ev('10:15', 'pin_failure')];
    expect(detectFindings(policy, spread)).toEqual([]);
  });
});

describe('exports', () => {
  it('fires at the export that makes more than the threshold in a day', () => {
    const policy = only('exports', { threshold: 1, windowMinutes: 24 * 60 });
    const events = [
      ev('10:00', 'member_exported', 'm1'),
      ev('09:59', 'member_exported', 'm2', { day: '2026-01-06' }), // 23 h 59 later: two in the window
      ev('10:00', 'member_exported', 'm3', { staffId: 's2' }),
    ];
    expect(brief(detectFindings(policy, events)).map((f) => [f.staffId, f.at, f.count, f.memberIds])).toEqual([
      ['s1', '2026-01-06T09:59:00.000Z', 2, ['m1', 'm2']],
    ]);
  });
});

describe('own_or_colleague', () => {
  const policy = only('own_or_colleague', { threshold: 0, windowMinutes: 24 * 60 });

  it("fires at once on one's own record, even with a sale (serving oneself is not allowed)", () => {
    const events = [ev('10:00', 'member_opened', 'me', { relation: 'self' }), ev('10:02', 'transaction', 'me')];
    expect(brief(detectFindings(policy, events)).map((f) => [f.at, f.count, f.memberIds])).toEqual([
      ['2026-01-05T10:00:00.000Z', 1, ['me']],
    ]);
  });

  it("a colleague's record counts only when no sale follows, once the follow-up has passed", () => {
    const served = [ev('10:00', 'member_opened', 'c1', { relation: 'colleague' }), ev('10:04', 'transaction', 'c1')];
    expect(detectFindings(policy, served, { now: '2026-01-05T12:00:00.000Z' })).toEqual([]);
    const snooped = [ev('10:00', 'member_opened', 'c1', { relation: 'colleague' })];
    expect(detectFindings(policy, snooped)).toEqual([]); // not decided yet
    expect(
      brief(detectFindings(policy, snooped, { now: '2026-01-05T12:00:00.000Z' })).map((f) => [
        f.at,
        f.windowStart,
        f.memberIds,
      ]),
    ).toEqual([['2026-01-05T10:15:00.000Z', '2026-01-05T10:00:00.000Z', ['c1']]]);
  });

  it('an ordinary member opened with no sale is not this rule', () => {
    expect(detectFindings(policy, [ev('10:00', 'member_opened', 'm1')], { now: '2026-01-05T12:00:00.000Z' })).toEqual(
      [],
    );
  });
});

describe('the default policy', () => {
  it('is what the seeded week measured (tests/unit/detection-week.test.ts)', () => {
    expect(Object.keys(DEFAULT_DETECTION_POLICY.rules)).toEqual([...TILL_RULES]);
    for (const rule of TILL_RULES) expect(DEFAULT_DETECTION_POLICY.rules[rule].mode).toBe('notify');
  });
});
