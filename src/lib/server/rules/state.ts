/**
 * The alert state machine: Prometheus's alerting-rule semantics (rules/alerting.go, v2.42) per
 * alert instance, plus Vigil's hysteresis, no-data policy and error state. Pure: time comes in as
 * arguments, results come in already computed, and the state is plain JSON data.
 *
 * Per instance (one per series the expression returns):
 *   inactive -> pending   the series appears (for: 0 goes straight to firing)
 *   pending  -> firing    it has been returned for at least `for`
 *   pending  -> (gone)    it stops being returned before that
 *   firing   -> inactive  it stops being returned (after keep_firing_for, if set); the resolved
 *                         instance is kept 15 minutes, then dropped
 */
import type { Labels } from '../../shared/series';
import { fingerprintOf, labelsEqual, withoutName } from './labels';
import {
	fromJsonNumber,
	initialState,
	toJsonNumber,
	type AlertEvent,
	type AlertInstance,
	type InstanceState,
	type RuleState,
	type StateRule,
	type VectorSample
} from './types';

/** How long a resolved instance is kept (and reported as resolved), as in Prometheus. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** What one evaluation of a rule produced. */
export type EvalOutcome =
	| {
			kind: 'vector';
			/** The expression's result (a scalar result is one sample with no labels). */
			samples: readonly VectorSample[];
			/** Every input series of the expression is missing (no selector returns data). */
			nodata?: boolean;
			/** Hysteresis: the series the clear condition returns (they are clear). */
			clear?: readonly VectorSample[];
			/**
			 * Hysteresis: label sets of the series that have data now. A firing instance whose
			 * series is not among them resolves as in Prometheus. When absent, every series counts
			 * as present unless `nodata` is set.
			 */
			present?: readonly Labels[];
	  }
	| { kind: 'error'; message: string };

export interface StepOptions {
	externalLabels?: Labels;
	externalURL?: string;
	/** Render annotations (default true); the backtest turns this off. */
	annotations?: boolean;
	/** How long the evaluation took, recorded in the state. */
	durationMs?: number;
}

export interface StepResult {
	state: RuleState;
	events: AlertEvent[];
}

const NAN_JSON = toJsonNumber(NaN);

interface Ctx {
	rule: StateRule;
	at: number;
	events: AlertEvent[];
	opts: StepOptions;
}

function emit(ctx: Ctx, a: AlertInstance, from: InstanceState, to: InstanceState): void {
	ctx.events.push({ ruleId: ctx.rule.id, fingerprint: a.fingerprint, labels: a.labels, from, to, at: ctx.at, value: a.value });
}

function ruleOwnLabels(ctx: Ctx): Labels {
	const labels: Labels = {};
	const data = { labels: {}, value: NaN, externalLabels: ctx.opts.externalLabels, externalURL: ctx.opts.externalURL };
	for (const [k, t] of Object.entries(ctx.rule.labels)) {
		const v = t.render(data);
		if (v !== '') labels[k] = v;
	}
	labels.alertname = ctx.rule.name;
	return labels;
}

/** Keys that come from the rule (its labels and alertname), not from the series. */
function ruleKeys(rule: StateRule): Set<string> {
	return new Set([...Object.keys(rule.labels), 'alertname']);
}

/** Series labels without the rule's keys: how instances are matched to clear and present series. */
function seriesPart(labels: Labels, skip: Set<string>): Labels {
	const out: Labels = {};
	for (const k of Object.keys(labels)) if (k !== '__name__' && !skip.has(k)) out[k] = labels[k]!;
	return out;
}

function isSubset(small: Labels, big: Labels): boolean {
	for (const k of Object.keys(small)) if (big[k] !== small[k]) return false;
	return true;
}

/** Upserts the rule's own instance (nodata or error); returns the new list. */
function ensureOwn(ctx: Ctx, byFp: Map<string, AlertInstance>, kind: 'nodata' | 'error', annotations: Labels): void {
	const labels = ruleOwnLabels(ctx);
	const fp = `${kind}:${fingerprintOf(labels)}`;
	const existing = byFp.get(fp);
	if (existing) {
		byFp.set(fp, { ...existing, annotations });
		return;
	}
	const a: AlertInstance = { fingerprint: fp, labels, annotations, state: kind, value: NAN_JSON, activeAt: ctx.at };
	byFp.set(fp, a);
	emit(ctx, a, 'inactive', kind);
}

function dropOwn(ctx: Ctx, byFp: Map<string, AlertInstance>, kind: 'nodata' | 'error'): void {
	for (const [fp, a] of byFp) {
		if (a.state === kind && fp.startsWith(`${kind}:`)) {
			byFp.delete(fp);
			emit(ctx, a, kind, 'inactive');
		}
	}
}

function sorted(byFp: Map<string, AlertInstance>): AlertInstance[] {
	return [...byFp.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}

class DuplicateLabelsError extends Error {}

const labelCache = new WeakMap<StateRule, WeakMap<Labels, { labels: Labels; fp: string }>>();

/**
 * Advances a rule's state by one evaluation at `at` (epoch ms) with its outcome.
 * `previous` is not modified.
 */
export function stepRule(rule: StateRule, at: number, outcome: EvalOutcome, previous: RuleState | undefined, opts: StepOptions = {}): StepResult {
	const prev = previous ?? initialState(rule.id);
	const ctx: Ctx = { rule, at, events: [], opts };
	const byFp = new Map<string, AlertInstance>();
	for (const a of prev.instances) byFp.set(a.fingerprint, a);
	const base = { ruleId: rule.id, lastEvalAt: at, lastEvalDurationMs: opts.durationMs ?? 0 };

	if (outcome.kind === 'error') {
		// Nothing resolves on an error: every instance stays as it was.
		ensureOwn(ctx, byFp, 'error', { error: outcome.message });
		return { state: { ...base, health: 'error', lastError: outcome.message, instances: sorted(byFp) }, events: ctx.events };
	}

	const nodata = outcome.nodata === true && rule.nodata !== 'ok';
	if (nodata && rule.nodata === 'keep_last') {
		// Every instance keeps its state while data is missing; only the health says so.
		dropOwn(ctx, byFp, 'error');
		return { state: { ...base, health: 'nodata', instances: sorted(byFp) }, events: ctx.events };
	}

	let samples = outcome.samples;
	if (nodata && rule.nodata === 'alerting') samples = [...samples, { labels: {}, value: NaN }];
	const work = new Map(byFp);
	dropOwn(ctx, work, 'error');
	try {
		applyPrometheus(ctx, work, samples, outcome);
	} catch (err) {
		if (!(err instanceof DuplicateLabelsError)) throw err;
		ctx.events = [];
		const message = 'vector contains metrics with the same labelset after applying alert labels';
		ensureOwn(ctx, byFp, 'error', { error: message });
		return { state: { ...base, health: 'error', lastError: message, instances: sorted(byFp) }, events: ctx.events };
	}
	if (nodata && rule.nodata === 'nodata') ensureOwn(ctx, work, 'nodata', {});
	else dropOwn(ctx, work, 'nodata');
	return { state: { ...base, health: nodata ? 'nodata' : 'ok', instances: sorted(work) }, events: ctx.events };
}

interface Candidate {
	labels: Labels;
	annotations: Labels;
	value: number;
}

function applyPrometheus(ctx: Ctx, active: Map<string, AlertInstance>, samples: readonly VectorSample[], outcome: EvalOutcome & { kind: 'vector' }): void {
	const { rule, at, opts } = ctx;
	const candidates = new Map<string, Candidate>();
	const renderAnnotations = opts.annotations !== false;
	// With constant rule labels, a series' alert labels depend on its labels only: cache them.
	let cache: WeakMap<Labels, { labels: Labels; fp: string }> | undefined;
	if (Object.values(rule.labels).every((t) => t.constant)) {
		cache = labelCache.get(rule);
		if (!cache) labelCache.set(rule, (cache = new WeakMap()));
	}
	for (const s of samples) {
		const data = { labels: s.labels, value: s.value, externalLabels: opts.externalLabels, externalURL: opts.externalURL };
		let hit = cache?.get(s.labels);
		if (!hit) {
			const labels = { ...withoutName(s.labels) };
			for (const [k, t] of Object.entries(rule.labels)) {
				const v = t.constant ? t.source : t.render(data);
				// An empty value removes the label, as Prometheus's label builder does.
				if (v === '') delete labels[k];
				else labels[k] = v;
			}
			labels.alertname = rule.name;
			hit = { labels, fp: fingerprintOf(labels) };
			cache?.set(s.labels, hit);
		}
		const annotations: Labels = {};
		if (renderAnnotations) for (const [k, t] of Object.entries(rule.annotations)) annotations[k] = t.constant ? t.source : t.render(data);
		if (candidates.has(hit.fp)) throw new DuplicateLabelsError();
		candidates.set(hit.fp, { labels: hit.labels, annotations, value: s.value });
	}

	const created = new Set<string>();
	for (const [fp, c] of candidates) {
		const a = active.get(fp);
		if (a && a.state !== 'inactive') {
			active.set(fp, { ...a, value: toJsonNumber(c.value), annotations: c.annotations });
			continue;
		}
		// New, or a resolved instance coming back: a new pending instance.
		active.set(fp, { fingerprint: fp, labels: c.labels, annotations: c.annotations, state: 'pending', value: toJsonNumber(c.value), activeAt: at });
		created.add(fp);
	}

	const holds = rule.hysteresis ? hysteresisCheck(rule, outcome) : undefined;

	for (const [fp, orig] of active) {
		if (orig.state === 'nodata' || orig.state === 'error') continue;
		let a = orig;
		if (!candidates.has(fp)) {
			if (a.state === 'firing' && holds?.(a)) {
				// Not clear yet: the instance holds, as if its condition were still returned.
				if (a.keepFiringSince !== undefined) active.set(fp, withoutKeepFiring(a));
				continue;
			}
			let keepFiring = false;
			if (a.state === 'firing' && rule.keepFiringForMs > 0) {
				if (a.keepFiringSince === undefined) a = { ...a, keepFiringSince: at };
				if (at - a.keepFiringSince! < rule.keepFiringForMs) keepFiring = true;
			}
			if (a.state === 'pending' || (a.resolvedAt !== undefined && at - a.resolvedAt > RESOLVED_RETENTION_MS)) {
				active.delete(fp);
				if (a.state === 'pending') emit(ctx, a, 'pending', 'inactive');
				continue;
			}
			if (!keepFiring) {
				if (a.state !== 'inactive') {
					const from = a.state;
					a = { ...withoutKeepFiring(a), state: 'inactive', resolvedAt: at };
					active.set(fp, a);
					emit(ctx, a, from, 'inactive');
				}
				continue;
			}
			active.set(fp, a);
		} else if (a.keepFiringSince !== undefined) {
			a = withoutKeepFiring(a);
			active.set(fp, a);
		}
		const isNew = created.has(fp);
		if (a.state === 'pending' && at - a.activeAt >= rule.forMs) {
			a = { ...a, state: 'firing', firedAt: at };
			active.set(fp, a);
			emit(ctx, a, isNew ? 'inactive' : 'pending', 'firing');
		} else if (isNew) emit(ctx, a, 'inactive', 'pending');
	}
}

function withoutKeepFiring(a: AlertInstance): AlertInstance {
	const copy = { ...a };
	delete copy.keepFiringSince;
	return copy;
}

/** For a firing instance no longer returned: true while it must hold (not clear, series present). */
function hysteresisCheck(rule: StateRule, outcome: EvalOutcome & { kind: 'vector' }): (a: AlertInstance) => boolean {
	const skip = ruleKeys(rule);
	const clear = (outcome.clear ?? []).map((s) => seriesPart(s.labels, skip));
	const present = outcome.present?.map((l) => seriesPart(l, skip));
	return (a) => {
		const own = seriesPart(a.labels, skip);
		if (clear.some((c) => labelsEqual(c, own))) return false;
		if (present === undefined) return outcome.nodata !== true;
		return present.some((p) => isSubset(own, p));
	};
}

export interface RestoreOptions {
	/** The rule's id now; instances of another rule's state are not restored. */
	ruleId?: string;
}

/**
 * The state to resume with after the engine was down from `savedAt` to `now` (epoch ms). As
 * Prometheus's for-state restore without a grace period: a pending instance's `activeAt` moves by
 * the downtime, so the time spent pending before the outage still counts and the outage does not;
 * firing and resolved instances stay as they were, with their notification bookkeeping, so nothing
 * already announced is announced again. The rule's own nodata and error instances stay too.
 */
export function restoreState(saved: RuleState, savedAt: number, now: number, rule?: Pick<StateRule, 'id'>): RuleState {
	if (rule && saved.ruleId !== rule.id) return initialState(rule.id);
	const down = Math.max(0, now - savedAt);
	return {
		...saved,
		instances: saved.instances.map((a) => (a.state === 'pending' ? { ...a, activeAt: a.activeAt + down } : { ...a }))
	};
}

/** The instances a notifier or a test compares: firing ones. */
export function firingInstances(state: RuleState): AlertInstance[] {
	return state.instances.filter((a) => a.state === 'firing');
}

export { fromJsonNumber };
