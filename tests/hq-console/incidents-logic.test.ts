import { describe, expect, it } from 'vitest';
import {
  clockNow,
  defaultNotifyExposures,
  formatLocalDateTime,
  hoursAndMinutes,
  notificationCsv,
  notificationFileName,
  parseLocalDateTime,
} from '../../packages/hq/console/src/logic/incidents';

const HOUR = 60 * 60 * 1000;

describe('the clock counted on from HQ’s answer', () => {
  const running = { state: 'running' as const, deadlineAt: '2026-03-04T10:00:00.000Z', msLeft: 2 * 60_000 };

  it('counts down by the time since the answer and turns overdue past the edge', () => {
    expect(clockNow(running, 60_000)).toEqual({ state: 'running', msLeft: 60_000 });
    expect(clockNow(running, 2 * 60_000)).toEqual({ state: 'running', msLeft: 0 });
    expect(clockNow(running, 3 * 60_000)).toEqual({ state: 'overdue', msLeft: -60_000 });
  });

  it('leaves a settled clock as HQ said', () => {
    const notified = { state: 'notified_in_time' as const, deadlineAt: running.deadlineAt, msLeft: HOUR };
    expect(clockNow(notified, 100 * HOUR)).toEqual({ state: 'notified_in_time', msLeft: HOUR });
  });

  it('never counts backwards when the browser reports negative time', () => {
    expect(clockNow(running, -HOUR)).toEqual({ state: 'running', msLeft: 2 * 60_000 });
  });

  it('says hours and whole minutes, without the sign', () => {
    expect(hoursAndMinutes(71 * HOUR + 59 * 60_000 + 59_999)).toEqual({ hours: 71, minutes: 59 });
    expect(hoursAndMinutes(-(2 * HOUR + 3 * 60_000))).toEqual({ hours: 2, minutes: 3 });
  });
});

describe('dates typed in the forms', () => {
  it('reads back what it shows', () => {
    const date = new Date(2026, 2, 2, 9, 5);
    expect(formatLocalDateTime(date)).toBe('2026-03-02 09:05');
    expect(parseLocalDateTime('2026-03-02 09:05')?.getTime()).toBe(date.getTime());
  });

  it('refuses what is not a real date and time', () => {
    for (const text of ['2026-02-30 10:00', '2026-03-02 24:00', '2.3.2026 10:00', '', '2026-03-02']) {
      expect(parseLocalDateTime(text), text).toBeNull();
    }
  });
});

describe('the notification list files', () => {
  it('writes a CSV with every column, quoting the notice', () => {
    const csv = notificationCsv([
      {
        memberId: 'm-1',
        cardMasked: '•••• 0004',
        name: 'Gleb Orlov',
        channel: 'email',
        contact: 'gleb@example.com',
        language: 'ru',
        exposure: 'revealed',
        subject: 'О данных вашей карты лояльности',
        notice: 'Первый абзац.\n\nВторой, с запятой.',
      },
    ]);
    expect(csv).toBe(
      'memberId,cardMasked,name,channel,contact,language,exposure,subject,notice\r\n' +
        'm-1,•••• 0004,Gleb Orlov,email,gleb@example.com,ru,revealed,О данных вашей карты лояльности,"Первый абзац.\n\nВторой, с запятой."\r\n',
    );
  });

  it('names files by the disclosure only', () => {
    expect(notificationFileName('5f0c2a1e-1111-4222-8333-444455556666', 'csv')).toBe(
      'breach-notification-5f0c2a1e.csv',
    );
  });

  it('offers the high-risk forms first', () => {
    expect(defaultNotifyExposures('lost_till')).toEqual(['revealed', 'full_contacts']);
    expect(defaultNotifyExposures('staff_misuse')).toEqual(['touched']);
  });
});
