/**
 * The service-quality targets as series, so rules can compare with them and charts can draw them:
 * `vigil_slo_target{slo="<name>", stage="current"}` (the level in force), `stage="next"` (the next
 * stage's level, only while it is ahead) and `vigil_slo_target_from_seconds{slo}` (the next stage's
 * start, Unix seconds, while it is ahead), one sample each of the config's `reports.slos` every
 * interval. Only the alerts leader writes them (started when it leads, stopped when it stands by),
 * so one process writes each series. When a next stage's day begins, its `next` and
 * `from_seconds` series end with a stale marker and `current` takes the next level.
 */
import type { Clock } from '../src/lib/server/clock';
import type { Logger } from '../src/lib/server/log';
import { fromLocal } from '../src/lib/server/alerting/muting';
import { SeriesWriter, type VectorSample } from '../src/lib/server/rules';
import type { TimeSeriesStore } from '../src/lib/server/tsdb';
import { levelAt, parseDay, type Stage } from '../src/lib/shared/slo-stage';

export const SLO_TARGET_METRIC = 'vigil_slo_target';
export const SLO_TARGET_FROM_METRIC = 'vigil_slo_target_from_seconds';

/** A target as the config's `reports.slos` holds it (the fields the series need). */
export interface SloTargetDef {
	name: string;
	threshold: number;
	next?: { threshold: number; from: string } | undefined;
}

export interface SloTargetsSetup {
	slos: readonly SloTargetDef[];
	/** The reports' time zone: a next stage begins at its day's midnight there. */
	timeZone: string;
	/**
	 * How often the series are written.
	 * @defaultValue 15_000
	 */
	intervalMs?: number;
}

function stageOf(t: SloTargetDef, zone: string): Stage | undefined {
	const day = t.next ? parseDay(t.next.from) : null;
	if (!t.next || !day) return undefined;
	return { level: t.next.threshold, from: t.next.from, fromMs: fromLocal(zone, Date.UTC(day.y, day.m0, day.d)) };
}

/** The samples of the targets at `now`. */
export function targetSamples(slos: readonly SloTargetDef[], zone: string, now: number): VectorSample[] {
	const out: VectorSample[] = [];
	for (const t of slos) {
		const stage = stageOf(t, zone);
		out.push({ labels: { __name__: SLO_TARGET_METRIC, slo: t.name, stage: 'current' }, value: levelAt(t.threshold, stage, now) });
		if (stage && now < stage.fromMs) {
			out.push({ labels: { __name__: SLO_TARGET_METRIC, slo: t.name, stage: 'next' }, value: stage.level });
			out.push({ labels: { __name__: SLO_TARGET_FROM_METRIC, slo: t.name }, value: stage.fromMs / 1000 });
		}
	}
	return out;
}

/** Writes the target series every interval while started (the leader). */
export class SloTargetWriter {
	private readonly writer = new SeriesWriter();
	private timer: NodeJS.Timeout | undefined;
	private writing: Promise<void> = Promise.resolve();
	private readonly intervalMs: number;

	constructor(
		private readonly setup: SloTargetsSetup,
		private readonly store: Pick<TimeSeriesStore, 'write'>,
		private readonly clock: Pick<Clock, 'now'>,
		private readonly log: Logger
	) {
		this.intervalMs = setup.intervalMs ?? 15_000;
	}

	/** Writes now and then every interval. Idempotent. */
	start(): void {
		if (this.timer || this.setup.slos.length === 0) return;
		this.writeNow();
		this.timer = setInterval(() => this.writeNow(), this.intervalMs);
		this.timer.unref();
	}

	/** Stops writing (the series go stale after the lookback, as a stopped collector's). */
	async stop(): Promise<void> {
		clearInterval(this.timer);
		this.timer = undefined;
		this.writer.reset();
		await this.writing;
	}

	writeNow(): Promise<void> {
		this.writing = this.writing.then(async () => {
			const now = Math.floor(this.clock.now());
			try {
				const series = this.writer.step(now, targetSamples(this.setup.slos, this.setup.timeZone, now)).map((s) => ({ ...s, intervalMs: this.intervalMs }));
				const res = await this.store.write(series);
				if (res.problems.length) this.log.warn({ problems: res.problems }, 'some target series samples were not stored');
			} catch (err) {
				this.log.warn({ err: (err as Error).message }, 'could not write the target series');
			}
		});
		return this.writing;
	}
}
