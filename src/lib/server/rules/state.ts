/**
 * The alert state machine: Prometheus's alerting-rule semantics (rules/alerting.go, v2.42) per
 * alert instance, plus Vigil's hysteresis, no-data policy and error state. It never reads the
 * clock: time comes in as arguments and results come in already computed. The state is plain JSON
 * data; stepRule is a pure function over it, RuleMachine the mutable form a replay steps through.
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
	/**
	 * Render annotations; the backtest turns this off.
	 * @defaultValue true
	 */
	annotations?: boolean;
	/** How long the evaluation took, recorded in the state. */
	durationMs?: number;
}

export interface StepResult {
	state: RuleState;
	events: AlertEvent[];
}

const NAN_JSON = toJsonNumber(NaN);

const keysCache = new WeakMap<StateRule, Set<string>>();

/** Keys that come from the rule (its labels and alertname), not from the series. */
function ruleKeys(rule: StateRule): Set<string> {
	let keys = keysCache.get(rule);
	if (!keys) keysCache.set(rule, (keys = new Set([...Object.keys(rule.labels), 'alertname'])));
	return keys;
}

const partCache = new WeakMap<Labels, { skip: Set<string>; part: Labels }>();

/** Series labels without the rule's keys: how instances are matched to clear and present series. */
function seriesPart(labels: Labels, skip: Set<string>): Labels {
	const hit = partCache.get(labels);
	if (hit && hit.skip === skip) return hit.part;
	const part: Labels = {};
	for (const k of Object.keys(labels)) if (k !== '__name__' && !skip.has(k)) part[k] = labels[k]!;
	partCache.set(labels, { skip, part });
	return part;
}

function isSubset(small: Labels, big: Labels): boolean {
	for (const k of Object.keys(small)) if (big[k] !== small[k]) return false;
	return true;
}

class DuplicateLabelsError extends Error {}

function eventRank(e: AlertEvent): number {
	return e.fingerprint.startsWith('error:') ? 0 : e.fingerprint.startsWith('nodata:') ? 2 : 1;
}

const labelCache = new WeakMap<StateRule, WeakMap<Labels, { labels: Labels; fp: string }>>();
const constantLabels = new WeakMap<StateRule, boolean>();

interface Candidate {
	labels: Labels;
	annotations: Labels;
	value: number;
}

/**
 * The state machine of one rule, mutable: it owns its instances and changes them in place. The
 * backtest steps one through a whole window; stepRule wraps it for one pure step.
 */
export class RuleMachine {
	readonly instances = new Map<string, AlertInstance>();
	health: RuleState['health'] = 'unknown';
	lastError: string | undefined;
	lastEvalAt: number | undefined;
	lastEvalDurationMs = 0;
	private events: AlertEvent[] = [];
	private at = 0;
	private opts: StepOptions = {};

	constructor(readonly rule: StateRule) {}

	/** A machine holding a copy of `state` (which is left unchanged). */
	static from(rule: StateRule, state: RuleState | undefined): RuleMachine {
		const m = new RuleMachine(rule);
		if (state) {
			for (const a of state.instances) m.instances.set(a.fingerprint, { ...a });
			m.health = state.health;
			m.lastError = state.lastError;
			m.lastEvalAt = state.lastEvalAt;
			m.lastEvalDurationMs = state.lastEvalDurationMs;
		}
		return m;
	}

	/** The state as plain data (instances sorted by fingerprint; shares the machine's objects). */
	state(): RuleState {
		const out: RuleState = {
			ruleId: this.rule.id,
			health: this.health,
			lastEvalDurationMs: this.lastEvalDurationMs,
			instances: [...this.instances.values()].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0))
		};
		if (this.lastError !== undefined) out.lastError = this.lastError;
		if (this.lastEvalAt !== undefined) out.lastEvalAt = this.lastEvalAt;
		return out;
	}

	/** Advances by one evaluation at `at`; returns its state changes. */
	step(at: number, outcome: EvalOutcome, opts: StepOptions = {}): AlertEvent[] {
		this.events = [];
		this.at = at;
		this.opts = opts;
		this.lastEvalAt = at;
		this.lastEvalDurationMs = opts.durationMs ?? 0;
		const rule = this.rule;

		if (outcome.kind === 'error') {
			// Nothing resolves on an error: every instance stays as it was.
			this.fail(outcome.message);
			return this.events;
		}
		const nodata = outcome.nodata === true && rule.nodata !== 'ok';
		if (nodata && rule.nodata === 'keep_last') {
			// Every instance keeps its state while data is missing; only the health says so.
			this.dropOwn('error');
			this.setHealth('nodata');
			return this.events;
		}
		let samples = outcome.samples;
		if (nodata && rule.nodata === 'alerting') samples = [...samples, { labels: {}, value: NaN }];
		let candidates: Map<string, Candidate>;
		try {
			candidates = this.candidates(samples);
		} catch (err) {
			if (!(err instanceof DuplicateLabelsError)) throw err;
			this.fail('vector contains metrics with the same labelset after applying alert labels');
			return this.events;
		}
		this.dropOwn('error');
		this.apply(candidates, outcome);
		if (nodata && rule.nodata === 'nodata') this.ensureOwn('nodata', {});
		else this.dropOwn('nodata');
		this.setHealth(nodata ? 'nodata' : 'ok');
		// A stable order, whatever the order instances were created in: the error instance's end
		// first, then the series' instances by fingerprint, then the nodata instance.
		if (this.events.length > 1) this.events.sort((a, b) => eventRank(a) - eventRank(b) || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
		return this.events;
	}

	private setHealth(health: RuleState['health'], error?: string): void {
		this.health = health;
		this.lastError = error;
	}

	private fail(message: string): void {
		this.ensureOwn('error', { error: message });
		this.setHealth('error', message);
	}

	private emit(a: AlertInstance, from: InstanceState, to: InstanceState): void {
		this.events.push({ ruleId: this.rule.id, fingerprint: a.fingerprint, labels: a.labels, from, to, at: this.at, value: a.value });
	}

	private ownLabels(): Labels {
		const labels: Labels = {};
		const data = { labels: {}, value: NaN, externalLabels: this.opts.externalLabels, externalURL: this.opts.externalURL };
		for (const [k, t] of Object.entries(this.rule.labels)) {
			const v = t.render(data);
			if (v !== '') labels[k] = v;
		}
		labels.alertname = this.rule.name;
		return labels;
	}

	/** Creates or updates the rule's own instance (nodata or error). */
	private ensureOwn(kind: 'nodata' | 'error', annotations: Labels): void {
		const labels = this.ownLabels();
		const fp = `${kind}:${fingerprintOf(labels)}`;
		const existing = this.instances.get(fp);
		if (existing) {
			existing.annotations = annotations;
			return;
		}
		const a: AlertInstance = { fingerprint: fp, labels, annotations, state: kind, value: NAN_JSON, activeAt: this.at };
		this.instances.set(fp, a);
		this.emit(a, 'inactive', kind);
	}

	private dropOwn(kind: 'nodata' | 'error'): void {
		for (const [fp, a] of this.instances) {
			if (a.state === kind && fp.startsWith(kind)) {
				this.instances.delete(fp);
				this.emit(a, kind, 'inactive');
			}
		}
	}

	/** The alert each sample stands for, by fingerprint; throws when two give the same labels. */
	private candidates(samples: readonly VectorSample[]): Map<string, Candidate> {
		const { rule, opts } = this;
		const out = new Map<string, Candidate>();
		const renderAnnotations = opts.annotations !== false;
		// With constant rule labels, a series' alert labels depend on its labels only: cache them.
		let constant = constantLabels.get(rule);
		if (constant === undefined) constantLabels.set(rule, (constant = Object.values(rule.labels).every((t) => t.constant)));
		let cache: WeakMap<Labels, { labels: Labels; fp: string }> | undefined;
		if (constant) {
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
			if (out.has(hit.fp)) throw new DuplicateLabelsError();
			out.set(hit.fp, { labels: hit.labels, annotations, value: s.value });
		}
		return out;
	}

	/** Prometheus's update of the active instances (alerting.go's Eval), plus hysteresis. */
	private apply(candidates: Map<string, Candidate>, outcome: EvalOutcome & { kind: 'vector' }): void {
		const { rule, at } = this;
		const active = this.instances;
		const created = new Set<string>();
		for (const [fp, c] of candidates) {
			const a = active.get(fp);
			if (a && a.state !== 'inactive') {
				a.value = toJsonNumber(c.value);
				a.annotations = c.annotations;
				continue;
			}
			// New, or a resolved instance coming back: a new pending instance.
			active.set(fp, { fingerprint: fp, labels: c.labels, annotations: c.annotations, state: 'pending', value: toJsonNumber(c.value), activeAt: at });
			created.add(fp);
		}

		const holds = rule.hysteresis ? hysteresisCheck(rule, outcome) : undefined;
		for (const [fp, a] of active) {
			if (a.state === 'nodata' || a.state === 'error') continue;
			if (!candidates.has(fp)) {
				if (a.state === 'firing' && holds?.(a)) {
					// Not clear yet: the instance holds, as if its condition were still returned.
					delete a.keepFiringSince;
					continue;
				}
				let keepFiring = false;
				if (a.state === 'firing' && rule.keepFiringForMs > 0) {
					a.keepFiringSince ??= at;
					if (at - a.keepFiringSince < rule.keepFiringForMs) keepFiring = true;
				}
				if (a.state === 'pending' || (a.resolvedAt !== undefined && at - a.resolvedAt > RESOLVED_RETENTION_MS)) {
					active.delete(fp);
					if (a.state === 'pending') this.emit(a, 'pending', 'inactive');
					continue;
				}
				if (!keepFiring) {
					if (a.state !== 'inactive') {
						const from = a.state;
						a.state = 'inactive';
						a.resolvedAt = at;
						delete a.keepFiringSince;
						this.emit(a, from, 'inactive');
					}
					continue;
				}
			} else delete a.keepFiringSince;
			const isNew = created.has(fp);
			if (a.state === 'pending' && at - a.activeAt >= rule.forMs) {
				a.state = 'firing';
				a.firedAt = at;
				this.emit(a, isNew ? 'inactive' : 'pending', 'firing');
			} else if (isNew) this.emit(a, 'inactive', 'pending');
		}
	}
}

/**
 * Advances a rule's state by one evaluation at `at` (epoch ms) with its outcome.
 * `previous` is not modified.
 */
export function stepRule(rule: StateRule, at: number, outcome: EvalOutcome, previous: RuleState | undefined, opts: StepOptions = {}): StepResult {
	const m = RuleMachine.from(rule, previous);
	const events = m.step(at, outcome, opts);
	return { state: m.state(), events };
}

/** For a firing instance no longer returned: true while it must hold (not clear, series present). */
function hysteresisCheck(rule: StateRule, outcome: EvalOutcome & { kind: 'vector' }): (a: AlertInstance) => boolean {
	const skip = ruleKeys(rule);
	let clear: Labels[] | undefined;
	let present: Labels[] | undefined;
	return (a) => {
		// Built on first use: most evaluations have no firing instance to hold.
		clear ??= (outcome.clear ?? []).map((s) => seriesPart(s.labels, skip));
		const own = seriesPart(a.labels, skip);
		if (clear.some((c) => labelsEqual(c, own))) return false;
		if (outcome.present === undefined) return outcome.nodata !== true;
		present ??= outcome.present.map((l) => seriesPart(l, skip));
		return present.some((p) => isSubset(own, p));
	};
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
