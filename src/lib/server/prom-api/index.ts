/**
 * Prometheus' HTTP API v1 wire format: parameters, the envelope and its errors, query and
 * query_range answers (the numeric query core's results as text), series, labels, rules and alerts.
 */
export { type EncodedAnswer, type QueryJob, encodedAnswer, isEncodedAnswer, runQueryJob } from './answer';
export { ApiError, type ErrorType, failure, failureOf, isApiError, success } from './envelope';
export { type QueryTimeout, canceled, queryTimeout, timedOut } from './limits';
export { parseDuration, parseTime, readParams, timeParam, timeoutParam } from './params';
export { type QueryDeps, checkRange } from './query';
export { promAlerts, promRules } from './rules';
export { findSeries, labelNames, labelValues, metadata, parseMatches, timeRange } from './series';
export { admitToolForm } from './tool-form';
