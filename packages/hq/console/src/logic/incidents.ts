import { CONSOLE_ENDPOINTS, type ConsoleOutput } from '../../../src/console/contract';
import { buildCsv } from './privacy';

/**
 * The breach register page's pure rules: the clock counted down in HQ's time, dates typed in the
 * forms, and the notification list's files. The lists come off the contract's schemas.
 */

export const INCIDENT_KIND_CODES = CONSOLE_ENDPOINTS.openIncident.input.shape.kind.options;
export type IncidentKindCode = (typeof INCIDENT_KIND_CODES)[number];
export const DECISION_CODE_OPTIONS = CONSOLE_ENDPOINTS.addIncidentEntry.input.shape.code.unwrap().options;
export const EXPOSURE_CODES = CONSOLE_ENDPOINTS.incidentNotificationList.input.shape.exposures.element.options;
export type ExposureCode = (typeof EXPOSURE_CODES)[number];
export const CLOCK_STATE_CODES =
  CONSOLE_ENDPOINTS.listIncidents.output.shape.incidents.element.shape.clock.shape.state.options;
export type ClockStateCode = (typeof CLOCK_STATE_CODES)[number];
export const ENTRY_KIND_CODES = CONSOLE_ENDPOINTS.getIncident.output.shape.entries.element.shape.kind.options;
export const SOURCE_CODES = CONSOLE_ENDPOINTS.listIncidentMembers.output.shape.sources.valueType.element.options;
export const TOUCH_ACTION_CODES = Object.keys(
  CONSOLE_ENDPOINTS.listIncidentMembers.output.shape.touched.element.shape.actions.shape,
) as (keyof ConsoleOutput<'listIncidentMembers'>['touched'][number]['actions'])[];
/** Codes of the entries the register writes itself, as the timeline names them. */
export const RECORDED_ENTRY_CODES = [
  'opened',
  'regulator_notified',
  'members_notified',
  'closed',
  'exposure_computed',
  'notification_list',
  'till_revoked',
] as const;

/** The kinds about one till (as HQ's incidents/codes.ts TILL_KINDS). */
export const TILL_KIND_CODES: readonly IncidentKindCode[] = ['lost_till', 'stolen_till'];

export type Clock = ConsoleOutput<'listIncidents'>['incidents'][number]['clock'];

/**
 * The clock as it stands now: HQ sent its state at serverNow; the time since then is measured on
 * the browser's clock (a difference, so a browser clock that is hours off changes nothing).
 */
export function clockNow(clock: Clock, elapsedMs: number): { state: ClockStateCode; msLeft: number } {
  if (clock.state !== 'running' && clock.state !== 'overdue') return { state: clock.state, msLeft: clock.msLeft };
  const msLeft = clock.msLeft - Math.max(0, elapsedMs);
  return { state: msLeft >= 0 ? 'running' : 'overdue', msLeft };
}

/** Whole hours and minutes of a duration (its sign dropped), minutes rounded down. */
export function hoursAndMinutes(ms: number): { hours: number; minutes: number } {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  return { hours: Math.floor(minutes / 60), minutes: minutes % 60 };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "YYYY-MM-DD HH:MM" in the browser's time zone: how the forms show and take a date and time. */
export function formatLocalDateTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The forms' date and time back as a Date; null when it is not a real "YYYY-MM-DD HH:MM". */
export function parseLocalDateTime(text: string): Date | null {
  const match = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})\s*$/.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(year, month - 1, day, hour, minute);
  const same =
    date.getFullYear() === year &&
    date.getMonth() === month - 1 &&
    date.getDate() === day &&
    date.getHours() === hour &&
    date.getMinutes() === minute;
  return same ? date : null;
}

type ListRow = ConsoleOutput<'incidentNotificationList'>['rows'][number];

export const NOTIFICATION_COLUMNS = [
  'memberId',
  'cardMasked',
  'name',
  'channel',
  'contact',
  'language',
  'exposure',
  'subject',
  'notice',
] as const;

export function notificationCsv(rows: readonly ListRow[]): string {
  return buildCsv(NOTIFICATION_COLUMNS, rows);
}

export function notificationJson(rows: readonly ListRow[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** File names with no personal data: the disclosure's reference. */
export function notificationFileName(disclosureId: string, extension: 'csv' | 'json'): string {
  return `breach-notification-${disclosureId.slice(0, 8)}.${extension}`;
}

/** The forms the list offers first: the ones worth a notice (Art. 34: a high risk). */
export function defaultNotifyExposures(kind: IncidentKindCode): ExposureCode[] {
  return kind === 'staff_misuse' ? ['touched'] : ['revealed', 'full_contacts'];
}

/** The register's own field codes (HQ's incidents.ts), each with its own text. */
export const INCIDENT_ISSUE_CODES = [
  'in_future',
  'before_start',
  'before_aware',
  'already_recorded',
  'closed',
  'notification_undecided',
  'length',
  'not_the_tills_store',
  'no_till',
  'nothing_to_compute',
] as const;
