/**
 * The time-series store: its interface (types.ts), the Redis implementation, label matchers and
 * the sample sink the collectors write through. What other packages may use; unit tests and
 * benchmarks may reach inner files (the in-memory store, the block codec).
 */
export { LABEL_NAME, MAX_REGEX_LENGTH, type MatchOp, type Matcher, SelectorError, matchValue, matcherRegex, matchesAll, parseSelector, readMatcher } from './matchers';
export { RESOLUTION_MS } from './query';
export { RedisStore } from './redis-store';
export { sidOf } from './series-id';
export { StoreSink, groupSamples } from './sink';
export { DAY, DEFAULT_RETENTION, HOUR, MINUTE, type LatestResult, type MetricMetadata, type RangeResult, type RawResult, type Retention, SampleBudget, SampleLimitError, SelectionCache, type SeriesInfo, type SeriesSamples, type TimeSeriesStore, resolveRetention } from './types';
