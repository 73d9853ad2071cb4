/** The languages staff can use at the till, and that privacy notices are written in. */
export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];
