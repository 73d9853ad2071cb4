import { describe, expect, it } from 'vitest';
import en from '../../packages/hq/console/src/i18n/en.json';
import ru from '../../packages/hq/console/src/i18n/ru.json';
import { OPERATOR_AUDIT_ACTIONS } from '../../packages/hq/src/operators/operator-audit';
import {
  OPERATOR_ACTION_PREFIXES,
  OPERATOR_SUBJECT_TYPES,
  auditDateRange,
  consoleDatePattern,
  describeOperatorEntry,
  describeTillEntry,
  type OperatorWords,
} from '../../packages/hq/console/src/logic/audit-trail';

type Tree = { [key: string]: string | Tree };
const lookup = (tree: Tree, path: string): string | null => {
  let node: string | Tree | undefined = tree;
  for (const part of path.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : null;
};

/** The page's words from the console's own i18n files, as AuditPage builds them. */
function wordsOf(tree: Tree): OperatorWords {
  return {
    actionName: (action) => lookup(tree, `operations.${action}`) ?? lookup(tree, `audit.operatorActions.${action}`),
    subjectName: (type) => lookup(tree, `audit.subjects.${type}`),
    system: lookup(tree, 'audit.system') ?? '',
    unknownOperator: (ref) => (lookup(tree, 'audit.unknownOperator') ?? '').replace('{{ref}}', ref),
  };
}
const WORDS = { en: wordsOf(en as unknown as Tree), ru: wordsOf(ru as unknown as Tree) };
const nobody = { staff: () => null, member: () => null };

describe("the operators' trail in words", () => {
  it('every action an operator entry can hold has a name in English and Russian', () => {
    const missing = OPERATOR_AUDIT_ACTIONS.flatMap((action) =>
      (['en', 'ru'] as const)
        .filter((language) => WORDS[language].actionName(action) === null)
        .map((l) => `${l}: ${action}`),
    );
    expect(missing).toEqual([]);
  });

  it('every action belongs to a group the filter offers, and every group and subject has words', () => {
    const prefixes = new Set(OPERATOR_AUDIT_ACTIONS.map((action) => action.split('.')[0]));
    expect(
      [...prefixes].filter((prefix) => !(OPERATOR_ACTION_PREFIXES as readonly string[]).includes(prefix!)),
    ).toEqual([]);
    for (const tree of [en, ru] as unknown as Tree[]) {
      for (const prefix of OPERATOR_ACTION_PREFIXES) expect(lookup(tree, `audit.prefixes.${prefix}`)).not.toBeNull();
      for (const type of OPERATOR_SUBJECT_TYPES) expect(lookup(tree, `audit.subjects.${type}`)).not.toBeNull();
    }
  });

  it('says who did what to which subject, by a short reference, with details in words', () => {
    const entry = {
      operatorId: 'op-1',
      operatorName: 'Alice Admin',
      action: 'devices.revoke',
      subjectType: 'device',
      subjectId: '01935c1e-7a2b-7c3d-8e4f-00000009f3c2',
      details: { approvalId: '01935c1e-7a2b-7c3d-8e4f-0000000ab12c' },
    };
    expect(describeOperatorEntry(entry, 'en', WORDS.en, nobody)).toEqual({
      actor: 'Alice Admin',
      sentence: 'Alice Admin: Revoke till — till #09F3C2',
      details: ['Approval: #0AB12C'],
    });
    expect(describeOperatorEntry(entry, 'ru', WORDS.ru, nobody)).toEqual({
      actor: 'Alice Admin',
      sentence: `Alice Admin: ${lookup(ru as unknown as Tree, 'operations.devices.revoke')} — касса #09F3C2`,
      details: ['Подтверждение: #0AB12C'],
    });
  });

  it('the system and a failed sign-in of nobody known', () => {
    const entry = {
      operatorId: null,
      operatorName: null,
      action: 'operator.login_failed',
      subjectType: null,
      subjectId: null,
      details: {},
    };
    expect(describeOperatorEntry(entry, 'en', WORDS.en, nobody).sentence).toBe('System: Sign-in failed');
    expect(describeOperatorEntry(entry, 'ru', WORDS.ru, nobody).sentence).toBe('Система: Неудачный вход');
  });
});

describe("the tills' entries use the till's sentences", () => {
  it('a search and an opened member, masked', () => {
    const names = {
      staff: { 'staff-dana': 'Dana Day' },
      members: { 'member-1': { maskedName: 'Wren H.', maskedCard: '••••0042' } },
    };
    const opened = {
      staffId: 'staff-dana',
      action: 'member.viewed',
      subjectType: 'member',
      subjectId: 'member-1',
      details: {},
    };
    expect(describeTillEntry(opened, 'en', names).sentence).toBe(
      'Dana Day opened the record of Wren H. (card ••••0042)',
    );
    expect(describeTillEntry(opened, 'ru', names).sentence).toBe(
      'Dana Day: открыта карточка участника Wren H. (карта ••••0042)',
    );
  });
});

describe('date filters follow the page language', () => {
  it('English (en-GB): DD/MM/YYYY; Russian: ДД.ММ.ГГГГ', () => {
    expect(consoleDatePattern('en')).toMatchObject({ hint: 'DD/MM/YYYY', example: '31/12/2026' });
    expect(consoleDatePattern('ru')).toMatchObject({ hint: 'ДД.ММ.ГГГГ', example: '31.12.2026' });
  });

  it('checks typed dates: valid, invalid, out of order', () => {
    const ru = consoleDatePattern('ru');
    const range = auditDateRange({ from: '01.03.2026', to: '05.03.2026' }, ru);
    expect(range.ok).toBe(true);
    if (range.ok) {
      expect(new Date(range.from!).getDate()).toBe(1);
      expect(new Date(range.to!).getDate()).toBe(5);
    }
    expect(auditDateRange({ from: '03/01/2026', to: '' }, consoleDatePattern('en'))).toMatchObject({ ok: true });
    expect(auditDateRange({ from: '30.02.2026', to: '' }, ru)).toEqual({ ok: false, problem: 'invalid_from' });
    expect(auditDateRange({ from: '', to: '2026-03-05' }, ru)).toEqual({ ok: false, problem: 'invalid_to' });
    expect(auditDateRange({ from: '06.03.2026', to: '05.03.2026' }, ru)).toEqual({ ok: false, problem: 'order' });
  });
});
