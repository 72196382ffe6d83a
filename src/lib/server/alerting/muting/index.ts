/**
 * Muting: silences and maintenance windows (their matchers, schedules, time zones and cron), and
 * mute.ts, which says whether an alert's labels are muted at a time: the dispatcher asks it before a
 * notification is sent.
 */
export * from './common';
export * from './cron';
export * from './maintenance';
export * from './matchers';
export * from './mute';
export * from './preview';
export * from './schedule';
export * from './silences';
export * from './zone';
