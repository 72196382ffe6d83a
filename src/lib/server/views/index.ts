/**
 * Read models for the pages, the API and the CLI: a rule's detail, the rule overview, the rule
 * chart, backtest and test-export runs. They read the alerting packages; their dependencies are
 * passed in.
 */
export * from './backtest-run';
export * from './rule-chart';
export * from './rule-detail';
export * from './rule-overview';
export * from './test-export-run';
export * from './notify-log-summary';
