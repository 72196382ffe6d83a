/**
 * The PromQL engine: parses with the Prometheus grammar, evaluates with Prometheus v2.42's
 * semantics over samples from the time-series store (parse.ts, eval.ts); the numeric query core
 * that the HTTP API and the read models share (query.ts) and the process's query limits
 * (query-limits.ts).
 */
export { PromQLError, TOO_MANY_SAMPLES, type PromQLErrorKind } from './errors';
export { parseExpr, stringQuery, type Expr } from './parse';
export { evalInstant, evalRange, selectorsOf, usesAbsent, type InstantResult, type RangeResult, type Sample } from './eval';
export { loadRollupSource, rollupWidth } from './rollup';
export { dataNeeds, loadExprsSource, loadSource, MemorySource, type DataNeed, type EvalOptions, type SampleSource, type SeriesData } from './source';
export { RANGE_FUNCTIONS, type Window } from './functions';
export { type Bucket, bucketQuantile } from './histogram';
export { compareLabels, formatLabels, goQuote, labelsKey } from './labels';
export { goParseFloat } from './lex';
export { queryInstant, queryRange, rangeSeries, readPlan, QueryShapeError, QueryTimeoutError, RAW_SPAN_MS, type Evaluated, type NumericSeries, type QueryRun, type QueryStoreDeps, type ReadPlan } from './query';
export { DEFAULT_QUERY_LIMITS, processQueryLimits, setProcessQueryLimits, type QueryLimits } from './query-limits';
export { parseSeriesValues, parseSeriesDescription, expandSeries, NotationError, type SeriesValue } from './series-notation';
