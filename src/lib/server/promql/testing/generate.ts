/**
 * A seeded generator of test inputs for the differential suite against promtool: series in
 * promtool's notation (counters with resets, gauges with NaN, gaps `_`, stale markers,
 * histogram buckets) and typed PromQL expressions across the language: selectors with offsets
 * and `@`, subqueries, aggregations, binary operators and the functions (but the trigonometric
 * ones and atan2, which Go computes with its own algorithms and may differ in the last bit).
 */
import type { Labels } from '../../../shared/series';

/** A sample slot: a value, a missing sample, or a stale marker. */
export type Slot = number | '_' | 'stale';

export interface GenSeries {
	labels: Labels;
	slots: Slot[];
}

export interface GenCheck {
	expr: string;
	/** Eval times, ms from 0. */
	times: number[];
	/** topk/bottomk inputs: among equal values Prometheus' choice depends on series order. */
	tieProbes: TieProbe[];
	/** The result may differ in the last bits with the order of series (sum, avg). */
	orderSensitive: boolean;
}

export interface TieProbe {
	expr: string;
	grouping: string[];
	without: boolean;
	k: string;
}

export interface GenGroup {
	name: string;
	intervalMs: number;
	series: GenSeries[];
	checks: GenCheck[];
}

/** mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

class Gen {
	constructor(readonly r: () => number) {}

	int(lo: number, hi: number): number {
		return lo + Math.floor(this.r() * (hi - lo + 1));
	}

	pick<T>(xs: readonly T[]): T {
		return xs[Math.floor(this.r() * xs.length)]!;
	}

	chance(p: number): boolean {
		return this.r() < p;
	}

	/** A value with at most two decimals, so promtool's notation and JS read the same number. */
	dec(lo: number, hi: number): number {
		return Math.round((lo + this.r() * (hi - lo)) * 100) / 100;
	}
}

const JOBS = ['api', 'web'];
const INSTANCES = ['a', 'b', 'c'];
const LES = ['0.1', '0.5', '1', '5', '+Inf'];

function counterSlots(g: Gen, n: number): Slot[] {
	const out: Slot[] = [];
	let v = g.chance(0.3) ? 0 : g.int(0, 500);
	const step = g.pick([1, 2.5, 10, 0.25, 37]);
	for (let i = 0; i < n; i++) {
		if (g.chance(0.04)) {
			out.push('_');
			continue;
		}
		if (g.chance(0.02) && i > 0) {
			out.push('stale');
			continue;
		}
		if (g.chance(0.05)) v = g.chance(0.5) ? 0 : g.int(0, 5);
		else v += g.chance(0.15) ? 0 : Math.round(g.r() * 4 * step * 4) / 4;
		out.push(v);
	}
	return out;
}

function gaugeSlots(g: Gen, n: number): Slot[] {
	const out: Slot[] = [];
	const base = g.pick([0, 10, 100, -5, 0.5]);
	const spread = g.pick([1, 5, 50, 0.1]);
	for (let i = 0; i < n; i++) {
		const p = g.r();
		if (p < 0.04) out.push('_');
		else if (p < 0.06 && i > 0) out.push('stale');
		else if (p < 0.075) out.push(NaN);
		else if (p < 0.08) out.push(g.pick([Infinity, -Infinity]));
		else out.push(Math.round((base + (g.r() - 0.5) * 2 * spread) * 100) / 100);
	}
	return out;
}

/** Gaps and stale markers in runs, so that some selectors see nothing for a while. */
function withOutage(g: Gen, slots: Slot[]): Slot[] {
	if (!g.chance(0.3)) return slots;
	const at = g.int(1, slots.length - 2);
	const len = g.int(3, Math.max(3, Math.floor(slots.length / 2)));
	const out = slots.slice();
	const stale = g.chance(0.5);
	for (let i = at; i < Math.min(out.length, at + len); i++) out[i] = i === at && stale ? 'stale' : '_';
	if (g.chance(0.3)) out.length = Math.min(out.length, at + len);
	return out;
}

function histogramSeries(g: Gen, n: number, job: string): GenSeries[] {
	const les = LES.slice();
	const odd = g.r();
	if (odd < 0.1) les.pop(); // no +Inf bucket
	else if (odd < 0.2) les.splice(2, 1, '1.0'); // same bound written otherwise
	else if (odd < 0.25) les.push('1.0'); // two buckets of one bound
	else if (odd < 0.3) les.push('bad');
	else if (odd < 0.35) les.splice(0, 1, '-1');
	const counts = les.map(() => 0);
	const slots: Slot[][] = les.map(() => []);
	for (let i = 0; i < n; i++) {
		const gap = g.chance(0.04);
		let c = 0;
		const reset = g.chance(0.03);
		for (let b = 0; b < les.length; b++) {
			c += g.int(0, 4);
			counts[b] = reset ? 0 : counts[b]! + c;
		}
		// Buckets scraped apart: a lower count in a higher bucket now and then.
		const bump = g.chance(0.1) ? g.int(0, les.length - 1) : -1;
		for (let b = 0; b < les.length; b++) {
			if (gap) slots[b]!.push('_');
			else slots[b]!.push(b === bump ? counts[b]! + g.int(1, 30) : counts[b]!);
		}
	}
	return les.map((le, b) => ({ labels: { __name__: 'req_bucket', job, le }, slots: slots[b]! }));
}

export function generateSeries(g: Gen, n: number): GenSeries[] {
	const out: GenSeries[] = [];
	for (const job of JOBS) {
		for (const instance of INSTANCES) {
			if (g.chance(0.75)) out.push({ labels: { __name__: 'c_total', job, instance }, slots: withOutage(g, counterSlots(g, n)) });
			if (g.chance(0.75)) out.push({ labels: { __name__: 'g', job, instance }, slots: withOutage(g, gaugeSlots(g, n)) });
			if (g.chance(0.3)) out.push({ labels: { __name__: 'up', job, instance }, slots: withOutage(g, Array.from({ length: n }, () => (g.chance(0.8) ? 1 : 0))) });
		}
	}
	for (const instance of INSTANCES) {
		if (g.chance(0.8)) out.push({ labels: { __name__: 'h', instance }, slots: withOutage(g, gaugeSlots(g, n)) });
	}
	for (const job of JOBS) if (g.chance(0.7)) out.push(...histogramSeries(g, n, job));
	return out;
}

interface Typed {
	text: string;
	type: 'vector' | 'scalar';
	probes: TieProbe[];
	order: boolean;
}

const RANGES = ['15s', '30s', '45s', '1m', '90s', '2m', '3m', '5m', '10m'];
const OFFSETS = ['30s', '1m', '5m', '-1m', '-30s', '90s'];
const NUMBERS = ['0', '1', '2', '3', '0.5', '10', '100', '-1', '2.5', '1e1', '0x10', 'Inf', '-Inf', 'NaN', '0.25'];

class ExprGen {
	constructor(readonly g: Gen) {}

	matchers(metric: string): string {
		const g = this.g;
		const parts: string[] = [];
		const labels = metric === 'h' ? ['instance'] : metric === 'req_bucket' ? ['job', 'le'] : ['job', 'instance'];
		const n = g.chance(0.6) ? 0 : g.int(1, 2);
		for (let i = 0; i < n; i++) {
			const l = g.pick(labels);
			const vals = l === 'job' ? JOBS : l === 'le' ? LES : INSTANCES;
			const op = g.pick(['=', '!=', '=~', '!~']);
			const v = op.includes('~') ? g.pick([`${g.pick(vals)}|${g.pick(vals)}`, `${g.pick(vals).slice(0, 1)}.*`, g.pick(vals)]) : g.pick(vals);
			parts.push(`${l}${op}"${v}"`);
		}
		return parts.length ? `{${parts.join(', ')}}` : '';
	}

	metric(kind: 'counter' | 'gauge' | 'any'): string {
		const g = this.g;
		if (g.chance(0.03)) return g.pick(['nope', '{__name__=~"c_total|g"}', '{__name__=~"g|h"}', '{job="api"}']);
		const m = kind === 'counter' ? g.pick(['c_total', 'c_total', 'req_bucket']) : kind === 'gauge' ? g.pick(['g', 'g', 'h', 'up']) : g.pick(['c_total', 'g', 'h', 'up']);
		return m + this.matchers(m);
	}

	offset(): string {
		return this.g.chance(0.2) ? ` offset ${this.g.pick(OFFSETS)}` : '';
	}

	selector(kind: 'counter' | 'gauge' | 'any'): Typed {
		return { text: this.metric(kind) + this.offset(), type: 'vector', probes: [], order: false };
	}

	scalar(d: number): Typed {
		const g = this.g;
		const c = g.r();
		if (d <= 0 || c < 0.55) return { text: g.pick(NUMBERS), type: 'scalar', probes: [], order: false };
		if (c < 0.65) return { text: 'time()', type: 'scalar', probes: [], order: false };
		if (c < 0.8) {
			const v = this.vector(d - 1);
			return { text: `scalar(${v.text})`, type: 'scalar', probes: v.probes, order: v.order };
		}
		const a = this.scalar(d - 1);
		const b = this.scalar(d - 1);
		const op = g.pick(['+', '-', '*', '/', '%', '^', '== bool', '> bool', '<= bool', '!= bool']);
		return { text: `${a.text} ${op} ${b.text}`, type: 'scalar', probes: [...a.probes, ...b.probes], order: a.order || b.order };
	}

	/** `@ t`, on a sample time or between, now and then. */
	at(): string {
		const g = this.g;
		return g.chance(0.12) ? ` @ ${g.pick(['0', '60', '125', '300.5', '600', '1200'])}` : '';
	}

	/** A subquery of an instant vector: `(expr)[range:step]`. */
	subquery(d: number): Typed {
		const g = this.g;
		const inner = g.chance(0.5) ? this.selector('any') : g.chance(0.6) ? this.rangeFn() : this.vector(Math.max(0, d - 1));
		const step = g.pick(['', '10s', '30s', '1m', '45s']);
		return { ...inner, text: `${this.wrap(inner)}[${g.pick(['1m', '2m', '5m', '10m'])}:${step}]${this.offset()}${this.at()}` };
	}

	/** The functions of the language beyond the basic set, and subqueries. */
	more(d: number): Typed {
		const g = this.g;
		const c = g.r();
		if (c < 0.3) {
			const fn = g.pick(['changes', 'resets', 'idelta', 'stdvar_over_time', 'present_over_time', 'predict_linear', 'holt_winters', 'max_over_time', 'avg_over_time', 'rate', 'deriv', 'absent_over_time']);
			const m = g.chance(0.5) ? this.subquery(d) : { text: `${this.metric(fn === 'rate' ? 'counter' : 'any')}[${g.pick(RANGES)}]${this.offset()}${this.at()}`, type: 'vector' as const, probes: [], order: false };
			if (fn === 'predict_linear') return { ...m, text: `${fn}(${m.text}, ${g.pick(['60', '-30', '3600', '0'])})` };
			if (fn === 'holt_winters') return { ...m, text: `${fn}(${m.text}, ${g.pick(['0.1', '0.5', '0.9'])}, ${g.pick(['0.1', '0.5', '0.9'])})` };
			return { ...m, text: `${fn}(${m.text})` };
		}
		if (c < 0.5) {
			const v = this.vector(d - 1);
			const fn = g.pick(['ceil', 'floor', 'sgn', 'sqrt', 'exp', 'ln', 'log2', 'log10', 'deg', 'rad', 'round', 'clamp', 'timestamp', 'sort', 'sort_desc', 'hour', 'minute', 'day_of_week', 'days_in_month', 'year']);
			if (fn === 'round') return { ...v, text: `round(${v.text}${g.chance(0.5) ? `, ${g.pick(['0.1', '5', '2', '0.25'])}` : ''})` };
			if (fn === 'clamp') return { ...v, text: `clamp(${v.text}, ${g.pick(['-1', '0', '2'])}, ${g.pick(['1', '5', '-2'])})` };
			if (['hour', 'minute', 'day_of_week', 'days_in_month', 'year'].includes(fn) && g.chance(0.3)) return { text: `${fn}()`, type: 'vector', probes: [], order: false };
			return { ...v, text: `${fn}(${v.text})` };
		}
		if (c < 0.65) {
			const v = this.vector(d - 1);
			if (g.chance(0.5)) return { ...v, text: `label_replace(${v.text}, "${g.pick(['job', 'x', 'instance'])}", "${g.pick(['$1', 'v-$1', '$2$1', '', '${1}x'])}", "${g.pick(['job', 'instance', 'nope'])}", "${g.pick(['(.*)', '(a)(.*)', 'w(eb)', '.+', ''])}")` };
			return { ...v, text: `label_join(${v.text}, "${g.pick(['job', 'y'])}", "${g.pick(['-', '', ','])}", "job", "instance")` };
		}
		if (c < 0.85) {
			const op = g.pick(['group', 'stddev', 'stdvar', 'count_values']);
			const inner = this.vector(d - 1);
			const grp = this.grouping();
			const param = op === 'count_values' ? `"${g.pick(['v', 'job', 'instance'])}", ` : '';
			return { text: `${op} ${grp.text} (${param}${inner.text})`.replace(/ +/g, ' '), type: 'vector', probes: inner.probes, order: inner.order || op === 'stddev' || op === 'stdvar' };
		}
		return { text: `${this.metric('any')}${this.offset()}${g.chance(0.7) ? ` @ ${g.pick(['0', '60', '125', '300.5', '600'])}` : ''}`, type: 'vector', probes: [], order: false };
	}

	rangeFn(): Typed {
		const g = this.g;
		const fn = g.pick([
			'rate',
			'rate',
			'irate',
			'increase',
			'increase',
			'delta',
			'deriv',
			'avg_over_time',
			'min_over_time',
			'max_over_time',
			'sum_over_time',
			'count_over_time',
			'last_over_time',
			'quantile_over_time',
			'stddev_over_time',
			'absent_over_time'
		]);
		const counter = ['rate', 'irate', 'increase'].includes(fn);
		const sel = `${this.metric(counter ? 'counter' : g.chance(0.5) ? 'gauge' : 'any')}[${g.pick(RANGES)}]${this.offset()}`;
		if (fn === 'quantile_over_time') return { text: `${fn}(${g.pick(['0', '0.25', '0.5', '0.9', '1', '-0.5', '1.5'])}, ${sel})`, type: 'vector', probes: [], order: false };
		return { text: `${fn}(${sel})`, type: 'vector', probes: [], order: false };
	}

	grouping(): { text: string; labels: string[]; without: boolean } {
		const g = this.g;
		const c = g.r();
		if (c < 0.3) return { text: '', labels: [], without: false };
		const labels = g.pick([['job'], ['instance'], ['job', 'instance'], ['le'], [], ['__name__'], ['foo']]);
		const without = g.chance(0.3);
		return { text: `${without ? 'without' : 'by'} (${labels.join(', ')})`, labels, without };
	}

	aggregate(d: number): Typed {
		const g = this.g;
		const op = g.pick(['sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk', 'quantile']);
		const inner = this.vector(d - 1);
		const grp = this.grouping();
		const pre = g.chance(0.5);
		const mod = grp.text ? (pre ? `${grp.text} ` : '') : '';
		const post = grp.text && !pre ? ` ${grp.text}` : '';
		let param = '';
		const probes = inner.probes.slice();
		if (op === 'topk' || op === 'bottomk') {
			param = `${g.pick(['1', '2', '3', '1', '2', '0', '-1', '1.5'])}, `;
			probes.push({ expr: inner.text, grouping: grp.labels, without: grp.without, k: param.slice(0, -2) });
		} else if (op === 'quantile') param = `${g.pick(['0', '0.5', '0.9', '1', '-1', '2', '0.33'])}, `;
		return { text: `${op} ${mod}(${param}${inner.text})${post}`.replace(/^(\w+) \(/, '$1('), type: 'vector', probes, order: inner.order || op === 'sum' || op === 'avg' };
	}

	matching(): string {
		const g = this.g;
		const c = g.r();
		if (c < 0.35) return '';
		const on = g.pick(['on(instance)', 'on(job)', 'on(job, instance)', 'ignoring(job)', 'ignoring(instance)', 'on()', 'ignoring(le)', 'on(instance, le)']);
		const grp = g.r();
		if (grp < 0.55) return on;
		const side = g.pick(['group_left', 'group_right']);
		const incl = g.pick(['', '', '(job)', '(instance)', '(le)', '(foo)']);
		return `${on} ${side}${incl}`;
	}

	binaryVV(d: number): Typed {
		const g = this.g;
		let a: Typed;
		let b: Typed;
		let m: string;
		const t = g.r();
		if (t < 0.3) {
			// The same metric on both sides, shifted or transformed: one-to-one matches.
			const metric = this.metric(g.chance(0.5) ? 'gauge' : 'counter');
			a = { text: metric, type: 'vector', probes: [], order: false };
			b = { text: `${metric} offset ${g.pick(OFFSETS)}`, type: 'vector', probes: [], order: false };
			m = g.chance(0.3) ? 'ignoring(le)' : '';
		} else if (t < 0.55) {
			// Many-to-one on instance: g or c_total against h.
			a = this.selector(g.chance(0.5) ? 'gauge' : 'counter');
			b = { text: `h${this.offset()}`, type: 'vector', probes: [], order: false };
			m = `on(instance) ${g.pick(['group_left', 'group_left(job)', 'group_left', ''])}`.trim();
			if (g.chance(0.3)) {
				[a, b] = [b, a];
				m = m.replace('group_left', 'group_right');
			}
		} else {
			a = this.vector(d - 1);
			b = this.vector(d - 1);
			m = this.matching();
		}
		const op = g.pick(['+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<=', '> bool', '== bool', 'and', 'or', 'unless', 'and', 'or', 'unless']);
		const setOp = ['and', 'or', 'unless'].includes(op);
		if (setOp) m = m.replace(/ ?group_(left|right)(\(\w*\))?/, '');
		const probes = [...a.probes, ...b.probes];
		return { text: `${this.wrap(a)} ${op}${m ? ' ' + m : ''} ${this.wrap(b)}`, type: 'vector', probes, order: a.order || b.order };
	}

	binaryVS(d: number): Typed {
		const g = this.g;
		const v = this.vector(d - 1);
		const s = this.scalar(d - 1);
		const op = g.pick(['+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<=', '> bool', '<= bool', '!= bool']);
		const probes = [...v.probes, ...s.probes];
		const order = v.order || s.order;
		if (g.chance(0.3)) return { text: `${this.wrap(s)} ${op} ${this.wrap(v)}`, type: 'vector', probes, order };
		return { text: `${this.wrap(v)} ${op} ${this.wrap(s)}`, type: 'vector', probes, order };
	}

	/** Parenthesizes anything but a simple operand. */
	wrap(e: Typed): string {
		return /\s/.test(e.text) ? `(${e.text})` : e.text;
	}

	vector(d: number): Typed {
		const g = this.g;
		if (d <= 0) return g.chance(0.5) ? this.selector('any') : this.rangeFn();
		if (g.chance(0.25)) return this.more(d);
		const c = g.r();
		if (c < 0.12) return this.selector('any');
		if (c < 0.32) return this.rangeFn();
		if (c < 0.5) return this.aggregate(d);
		if (c < 0.62) return this.binaryVS(d);
		if (c < 0.74) return this.binaryVV(d);
		if (c < 0.79) {
			const v = this.vector(d - 1);
			const fn = g.pick(['abs', 'clamp_min', 'clamp_max']);
			if (fn === 'abs') return { ...v, text: `abs(${v.text})` };
			const s = this.scalar(d - 1);
			return { text: `${fn}(${v.text}, ${s.text})`, type: 'vector', probes: [...v.probes, ...s.probes], order: v.order || s.order };
		}
		if (c < 0.84) return { text: `absent(${this.metric('any')}${this.offset()})`, type: 'vector', probes: [], order: false };
		if (c < 0.92) {
			const q = g.pick(['0.5', '0.9', '0.99', '0', '1', '-0.1', '1.1', 'NaN']);
			const inner = g.pick([
				'req_bucket',
				'rate(req_bucket[5m])',
				`sum by (le) (rate(req_bucket[${g.pick(RANGES)}]))`,
				`sum by (le, job) (increase(req_bucket[2m]))`,
				'req_bucket offset 1m',
				'max without (job) (req_bucket)'
			]);
			return { text: `histogram_quantile(${q}, ${inner})`, type: 'vector', probes: [], order: inner.startsWith('sum') };
		}
		if (c < 0.95) {
			const s = this.scalar(d - 1);
			return { text: `vector(${s.text})`, type: 'vector', probes: s.probes, order: s.order };
		}
		const v = this.vector(d - 1);
		return { ...v, text: `-${this.wrap(v)}` };
	}
}

/** One group: series on one interval, and expressions with eval times. */
export function generateGroup(seed: number, index: number, exprsPerGroup: number, timesPerExpr: number): GenGroup {
	const g = new Gen(rng(seed * 1000 + index));
	const intervalMs = g.pick([10_000, 15_000, 30_000, 60_000]);
	const n = g.int(20, 60);
	const series = generateSeries(g, n);
	const end = (n - 1) * intervalMs;
	const eg = new ExprGen(g);
	const checks: GenCheck[] = [];
	for (let i = 0; i < exprsPerGroup; i++) {
		const e = g.chance(0.1) ? eg.scalar(2) : eg.vector(g.int(1, 3));
		const times: number[] = [];
		for (let k = 0; k < timesPerExpr; k++) {
			const c = g.r();
			let t: number;
			if (c < 0.3) t = g.int(0, n - 1) * intervalMs; // on a sample
			else if (c < 0.4) t = g.int(0, n - 1) * intervalMs + 300_000; // at the lookback edge
			else if (c < 0.45) t = g.int(0, n - 1) * intervalMs + 300_001; // just past it
			else t = g.int(0, Math.floor((end + 420_000) / 1000)) * 1000;
			times.push(t);
		}
		checks.push({ expr: e.text, times, tieProbes: e.probes, orderSensitive: e.order });
	}
	return { name: `seed ${seed} group ${index}`, intervalMs, series, checks };
}
