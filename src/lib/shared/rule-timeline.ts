/**
 * What the rule pages draw from a rule's history: a band per instance of the states it was in over
 * a window (from its state-change events), and the counts a backtest preview compares (alerts
 * fired, notifications, longest firing, time firing). Pure, shared by the server and the browser.
 */

export type BandState = 'pending' | 'firing' | 'nodata' | 'error';

export interface BandSpan {
	state: BandState;
	from: number;
	to: number;
}

export interface InstanceBand {
	fingerprint: string;
	labels: Record<string, string>;
	spans: BandSpan[];
}

/** A state change of one instance, as the alerts role records it (see rules/types.ts AlertEvent). */
export interface StateChange {
	fingerprint: string;
	labels: Record<string, string>;
	from: string;
	to: string;
	/** Epoch ms. */
	at: number;
}

const SHOWN = new Set<string>(['pending', 'firing', 'nodata', 'error']);

/**
 * The spans of each instance inside [from, to], from its state changes (any order). An instance's
 * state before its first change in the window is that change's `from`; after its last change, its
 * `to` until the window ends. Inactive time is left out, so an instance that never left inactive
 * inside the window has no band. Bands are ordered by their first span, then fingerprint.
 */
export function instanceBands(changes: readonly StateChange[], from: number, to: number): InstanceBand[] {
	const byInstance = new Map<string, StateChange[]>();
	for (const c of changes) {
		const list = byInstance.get(c.fingerprint);
		if (list) list.push(c);
		else byInstance.set(c.fingerprint, [c]);
	}
	const bands: InstanceBand[] = [];
	for (const [fingerprint, list] of byInstance) {
		list.sort((a, b) => a.at - b.at);
		const spans: BandSpan[] = [];
		const push = (state: string, a: number, b: number) => {
			const s = Math.max(a, from);
			const e = Math.min(b, to);
			if (!SHOWN.has(state) || e <= s) return;
			const last = spans[spans.length - 1];
			if (last && last.state === state && last.to === s) last.to = e;
			else spans.push({ state: state as BandState, from: s, to: e });
		};
		let state = list[0]!.from;
		let since = from;
		for (const c of list) {
			if (c.at > to) break;
			push(state, since, c.at);
			state = c.to;
			since = c.at;
		}
		push(state, since, to);
		if (spans.length) bands.push({ fingerprint, labels: list[list.length - 1]!.labels, spans });
	}
	return bands.sort((a, b) => a.spans[0]!.from - b.spans[0]!.from || (a.fingerprint < b.fingerprint ? -1 : 1));
}

export interface ReplaySpan {
	state: string;
	from: number;
	to: number;
}

export interface ReplaySummary {
	/** Firing spans started (an alert fired). */
	alerts: number;
	notifications: number;
	/** Longest single firing span, ms. */
	longestFiringMs: number;
	/** Firing time summed over instances, ms. */
	firingMs: number;
}

/** The counts of one backtest: its instances' spans and the notifications it would have sent. */
export function summarizeReplay(result: { instances: ReadonlyArray<{ spans: readonly ReplaySpan[] }>; notifications: number }): ReplaySummary {
	let alerts = 0;
	let longest = 0;
	let total = 0;
	for (const inst of result.instances) {
		for (const s of inst.spans) {
			if (s.state !== 'firing') continue;
			alerts++;
			const d = Math.max(0, s.to - s.from);
			total += d;
			if (d > longest) longest = d;
		}
	}
	return { alerts, notifications: result.notifications, longestFiringMs: longest, firingMs: total };
}

/** "draft: 3 notifications instead of 41", "draft: the same 4 notifications". */
export function compareCount(noun: string, current: number, draft: number): string {
	const n = (v: number) => `${v.toLocaleString('en-US')} ${noun}${v === 1 ? '' : 's'}`;
	return current === draft ? `draft: the same ${n(draft)}` : `draft: ${n(draft)} instead of ${current.toLocaleString('en-US')}`;
}

/** An instance's labels as one line (`instance="a", target="b"`), without its alertname. */
export function instanceLabelText(labels: Record<string, string>): string {
	return (
		Object.entries(labels)
			.filter(([k]) => k !== 'alertname')
			.map(([k, v]) => `${k}=${JSON.stringify(v)}`)
			.join(', ') || '(no labels)'
	);
}
