/**
 * Alert state: what the alerts leader saves of each rule (pending, firing and keep-firing starts, so a
 * restart loses no `for` progress), the rules' event streams, and the current alerts read from them.
 */
export * from './current-alerts';
export * from './store';
