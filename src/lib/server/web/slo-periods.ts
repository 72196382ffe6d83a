/**
 * The SLO tiles' budgets over their calendar period (see shared/slo-period.ts), for one board. The
 * period is the reports' notion (reports/period.ts): the current month (or quarter) in the
 * reports' time zone (`reports.timeZone`). Each refresh judges the minutes closed since the last
 * one, from minute rollups (one store read per objective), so a month is read once at start and
 * then a minute or so at a time; a new period starts from nothing.
 */
import type { BoardDef } from '../../shared/boards';
import type { SloPeriod } from '../../shared/slo-period';
import { levelAt, meets, parseDay, type Stage } from '../../shared/slo-stage';
import { fromLocal } from '../alerting/muting';
import { currentPeriod } from '../views/reports';
import { parseSelector, type Matcher, type RangeResult, type TimeSeriesStore } from '../tsdb';

/** A judged step: one minute. */
export const SLO_STEP_MS = 60_000;
/** A minute is judged once it is this long over, so that late samples count. */
export const SLO_SETTLE_MS = 20_000;

interface Objective {
	state: SloPeriod;
	kind: 'month' | 'quarter';
	matchers: Matcher[];
	op: '<' | '<=' | '>' | '>=';
	target: number;
	/** The next stage: a stricter target from its start on. */
	stage?: Stage;
}

/**
 * Judges the steps of [from, to) from range results (one per series): a step is bad when the last
 * value of any series in it fails the target, good when every series with a value meets it. The
 * target is the one in force at the step: the next stage's from its start on.
 */
export function judgeSteps(results: readonly RangeResult[], op: Objective['op'], target: number, from: number, to: number, stage?: Stage): { good: number; bad: number } {
	const steps = new Map<number, boolean>();
	for (const r of results) {
		for (let i = 0; i < r.t.length; i++) {
			const t = r.t[i]!;
			const v = r.last[i]!;
			if (t < from || t >= to || !(r.count[i]! > 0) || !Number.isFinite(v)) continue;
			const ok = meets(v, op, levelAt(target, stage, t));
			steps.set(t, (steps.get(t) ?? true) && ok);
		}
	}
	let good = 0;
	let bad = 0;
	for (const ok of steps.values()) ok ? good++ : bad++;
	return { good, bad };
}

/** A board objective's next stage with its day resolved to that day's midnight in the zone. */
export function boardStage(next: { target: number; from: string } | undefined, zone: string): Stage | undefined {
	const day = next ? parseDay(next.from) : null;
	if (!next || !day) return undefined;
	return { level: next.target, from: next.from, fromMs: fromLocal(zone, Date.UTC(day.y, day.m0, day.d)) };
}

export class SloPeriods {
	private readonly objectives: Objective[] = [];
	private refreshing = false;

	constructor(
		def: BoardDef,
		private readonly zone: string,
		private readonly stepMs = SLO_STEP_MS
	) {
		def.tiles.forEach((t, tile) => {
			if (t.kind !== 'slo') return;
			t.objectives.forEach((o, objective) => {
				const stage = boardStage(o.next, zone);
				this.objectives.push({
					kind: t.period,
					matchers: parseSelector(o.selector),
					op: o.op,
					target: o.target,
					...(stage ? { stage } : {}),
					state: { tile, objective, label: '', zone, from: 0, to: 0, stepMs, good: 0, bad: 0, through: 0, ...(stage ? { nextFrom: stage.fromMs } : {}) }
				});
			});
		});
	}

	get empty(): boolean {
		return this.objectives.length === 0;
	}

	/** The objectives' periods as judged so far (those with a period). */
	entries(): SloPeriod[] {
		return this.objectives.filter((o) => o.state.label !== '').map((o) => ({ ...o.state }));
	}

	/** Judges the minutes closed since the last refresh; true when a figure changed. */
	async refresh(store: Pick<TimeSeriesStore, 'range'>, now: number): Promise<boolean> {
		if (this.refreshing) return false;
		this.refreshing = true;
		let changed = false;
		try {
			for (const o of this.objectives) {
				const p = currentPeriod(o.kind, this.zone, now);
				if (o.state.from !== p.from || o.state.label === '') {
					o.state = { ...o.state, label: p.label, zone: p.zone, from: p.from, to: p.to, good: 0, bad: 0, through: p.from };
					changed = true;
				}
				const end = Math.min(p.to, Math.floor((now - SLO_SETTLE_MS) / this.stepMs) * this.stepMs);
				if (end <= o.state.through) continue;
				const results = await store.range(o.matchers, o.state.through, end - 1, this.stepMs);
				const { good, bad } = judgeSteps(results, o.op, o.target, o.state.through, end, o.stage);
				o.state.through = end;
				if (good || bad) {
					o.state.good += good;
					o.state.bad += bad;
					changed = true;
				}
			}
		} finally {
			this.refreshing = false;
		}
		return changed;
	}
}
