/**
 * Incidents: a firing alert opens one or joins the open incident of its group (apply.ts, run by the
 * leader's incident feed, feed.ts); the timeline, acknowledgement and resolution (store.ts), lists and
 * measures (TTA, TTR, MTTA, MTTR).
 */
export * from './apply';
export * from './feed';
export * from './measures';
export * from './model';
export * from './public-updates';
export * from './query';
export * from './store';
