import { getCountries } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { ChannelPermission } from '../auth/permissions';
import { ROLES } from '../auth/permissions';
import { EnrollRequest, FindRequest, FindResponse, MemberSummary } from '../members/schemas';
import type { Channel } from './channels';

export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export const AppInfo = z.strictObject({
  version: z.string(),
  language: z.enum(LANGUAGES),
  storeRegion: z.string(),
});

export const SessionInfo = z.strictObject({
  staffId: z.string(),
  displayName: z.string(),
  role: z.enum(ROLES),
});

export interface ChannelSpec {
  request: z.ZodType;
  response: z.ZodType;
  permission: ChannelPermission;
}

const Empty = z.strictObject({});

/**
 * The IPC contract: for each channel, the request the main process accepts, the response it
 * promises, and the permission a staff session needs. The router enforces all three.
 */
export const contract = {
  'app.getInfo': { request: Empty, response: AppInfo, permission: 'public' },
  'app.setLanguage': {
    request: z.strictObject({ language: z.enum(LANGUAGES, { error: 'invalid_choice' }) }),
    response: AppInfo,
    permission: 'public',
  },
  'session.current': {
    request: Empty,
    response: z.strictObject({ session: SessionInfo.nullable() }),
    permission: 'public',
  },
  'settings.setStoreRegion': {
    // The region phone numbers typed without a country code are read in: a store setting.
    request: z.strictObject({ region: z.enum(getCountries() as [string, ...string[]], { error: 'invalid_choice' }) }),
    response: AppInfo,
    permission: 'settings.manage',
  },
  'members.enroll': { request: EnrollRequest, response: MemberSummary, permission: 'members.enroll' },
  'members.find': { request: FindRequest, response: FindResponse, permission: 'members.read' },
} as const satisfies Record<Channel, ChannelSpec>;

export type Contract = typeof contract;
export type RequestInput<C extends Channel> = z.input<Contract[C]['request']>;
export type RequestData<C extends Channel> = z.output<Contract[C]['request']>;
export type ResponseData<C extends Channel> = z.output<Contract[C]['response']>;
