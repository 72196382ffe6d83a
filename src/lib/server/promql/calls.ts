/**
 * Scalar nodes (numbers, time(), scalar(), operations on scalars), unary minus, and the
 * functions of instant vectors (value functions, dates, timestamp, sort, label_replace,
 * label_join, absent, vector), as Prometheus v2.42's promql/functions.go computes them.
 */
import { RE2JS } from 're2js';
import type { CallNode, DateFunction, FunctionName, Node, UnaryNode } from './ast';
import { execError, ScalarNode, VectorNode, type EvalContext, type Vec } from './core';
import type { LabelSet } from './labels';
import { frexp, goExp, goLog, goMax, goMin } from './math';

export class ConstNode extends ScalarNode {
	constructor(
		ctx: EvalContext,
		at: Node,
		private readonly value: number
	) {
		super(ctx, at);
	}

	eval(): number {
		return this.value;
	}
}

export class TimeNode extends ScalarNode {
	eval(t: number): number {
		return t / 1000;
	}
}

/** scalar(v): the value of a one-element vector, else NaN. */
export class ScalarOfNode extends ScalarNode {
	constructor(
		ctx: EvalContext,
		at: Node,
		private readonly input: VectorNode
	) {
		super(ctx, at);
	}

	eval(t: number): number {
		const v = this.input.eval(t);
		return v.n === 1 ? v.v[0]! : NaN;
	}
}

export class ScalarNegNode extends ScalarNode {
	constructor(
		ctx: EvalContext,
		at: UnaryNode,
		private readonly input: ScalarNode
	) {
		super(ctx, at);
	}

	eval(t: number): number {
		return -this.input.eval(t);
	}
}

/** -v: negated values, without the metric name. */
export class VectorNegNode extends VectorNode {
	constructor(
		ctx: EvalContext,
		at: UnaryNode,
		private readonly input: VectorNode
	) {
		super(ctx, at);
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const v = this.input.eval(t);
		for (let i = 0; i < v.n; i++) out.push(this.ctx.interner.dropName(v.ls[i]!), -v.v[i]!);
		this.checkDuplicates(out);
		return out;
	}
}

const LN2_INV = 1.44269504088896340735992468100189213742664595415298593413544940693110921918118507988552662289350634449699;
const LN10_INV = 0.43429448190325182765112891891660508229439700580366656611445378316586464920887077472922494933843174831870610674476630373364167928715896390656922106466281226585212708656867032959337396;

/** Go's math.Log2: exact for powers of two. */
export function goLog2(x: number): number {
	const [frac, exp] = frexp(x);
	if (frac === 0.5) return exp - 1;
	return goLog(frac) * LN2_INV + exp;
}

/** Go's math.Log10: Log(x) * (1/Ln10). */
export function goLog10(x: number): number {
	return goLog(x) * LN10_INV;
}

/**
 * The value functions of an instant vector, as Prometheus v2.42 computes them (exp, ln, log2 and
 * log10 as Go's math package does; the trigonometric ones with JavaScript's Math, which can differ
 * from Go's in the last bit). Each gets the value and the scalar arguments.
 */
const VALUE_FUNCTIONS: Partial<Record<FunctionName, (x: number, p: readonly number[]) => number>> = {
	abs: Math.abs,
	ceil: Math.ceil,
	floor: Math.floor,
	exp: goExp,
	sqrt: Math.sqrt,
	ln: goLog,
	log2: goLog2,
	log10: goLog10,
	sgn: (v) => (v < 0 ? -1 : v > 0 ? 1 : v),
	sin: Math.sin,
	cos: Math.cos,
	tan: Math.tan,
	asin: Math.asin,
	acos: Math.acos,
	atan: Math.atan,
	sinh: Math.sinh,
	cosh: Math.cosh,
	tanh: Math.tanh,
	asinh: Math.asinh,
	acosh: Math.acosh,
	atanh: Math.atanh,
	deg: (v) => (v * 180) / Math.PI,
	rad: (v) => (v * Math.PI) / 180,
	clamp_min: (x, p) => goMax(p[0]!, x),
	clamp_max: (x, p) => goMin(p[0]!, x),
	clamp: (x, p) => goMax(p[0]!, goMin(p[1]!, x)),
	// Ties round up; the inverse of the step causes fewer rounding errors (Prometheus' comment).
	round: (x, p) => {
		const inv = 1 / (p.length > 0 ? p[0]! : 1);
		return Math.floor(x * inv + 0.5) / inv;
	}
};

export function isValueFunction(fn: FunctionName): boolean {
	return fn in VALUE_FUNCTIONS;
}

/** abs, ceil, exp, clamp, round, sin, ...: a value function of each element, without the metric name. */
export class MapNode extends VectorNode {
	private readonly f: (x: number, p: readonly number[]) => number;
	private readonly p: number[];

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly input: VectorNode,
		private readonly params: ScalarNode[]
	) {
		super(ctx, node);
		this.f = VALUE_FUNCTIONS[node.fn]!;
		this.p = params.map(() => NaN);
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const v = this.input.eval(t);
		for (let i = 0; i < this.params.length; i++) this.p[i] = this.params[i]!.eval(t);
		// clamp with max below min gives nothing.
		if (this.node.fn === 'clamp' && this.p[1]! < this.p[0]!) return out;
		for (let i = 0; i < v.n; i++) out.push(this.ctx.interner.dropName(v.ls[i]!), this.f(v.v[i]!, this.p));
		this.checkDuplicates(out);
		return out;
	}
}

/*
 * Go's time package on absolute seconds (uint64, wrapping as Go's arithmetic does), so that any
 * int64 gives what Prometheus gives, even the one a NaN or an infinite value converts to.
 */
const U64 = (v: bigint) => BigInt.asUintN(64, v);
const I64 = (v: bigint) => BigInt.asIntN(64, v);
const SECONDS_PER_DAY = 86_400n;
const DAYS_PER_400 = 365n * 400n + 97n;
const DAYS_PER_100 = 365n * 100n + 24n;
const DAYS_PER_4 = 365n * 4n + 1n;
const ABSOLUTE_ZERO_YEAR = -292277022399n;
// (absoluteZeroYear - internalYear) * 365.2425 * secondsPerDay, exactly.
const ABSOLUTE_TO_INTERNAL = ((ABSOLUTE_ZERO_YEAR - 1n) * 3652425n * SECONDS_PER_DAY) / 10000n;
const UNIX_TO_INTERNAL = (1969n * 365n + 1969n / 4n - 1969n / 100n + 1969n / 400n) * SECONDS_PER_DAY;
const DAYS_BEFORE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

const isLeap = (y: bigint) => y % 4n === 0n && (y % 100n !== 0n || y % 400n === 0n);

/** Go's absDate: year, month (1-12), day and day of year (0-based) of absolute seconds. */
function absDate(abs: bigint): { year: bigint; month: number; day: number; yday: number } {
	let d = abs / SECONDS_PER_DAY;
	let n = d / DAYS_PER_400;
	let y = 400n * n;
	d -= DAYS_PER_400 * n;
	n = d / DAYS_PER_100;
	n -= n >> 2n;
	y += 100n * n;
	d -= DAYS_PER_100 * n;
	n = d / DAYS_PER_4;
	y += 4n * n;
	d -= DAYS_PER_4 * n;
	n = d / 365n;
	n -= n >> 2n;
	y += n;
	d -= 365n * n;
	const year = I64(U64(y) + U64(ABSOLUTE_ZERO_YEAR));
	const yday = Number(d);
	let day = yday;
	if (isLeap(year)) {
		if (day > 31 + 29 - 1) day--;
		else if (day === 31 + 29 - 1) return { year, month: 2, day: 29, yday };
	}
	let month = Math.floor(day / 31);
	const end = DAYS_BEFORE[month + 1]!;
	let begin: number;
	if (day >= end) {
		month++;
		begin = end;
	} else begin = DAYS_BEFORE[month]!;
	return { year, month: month + 1, day: day - begin + 1, yday };
}

/** Go's daysSinceEpoch: days from the absolute zero year to January 1 of year. */
function daysSinceEpoch(year: bigint): bigint {
	let y = U64(year - ABSOLUTE_ZERO_YEAR);
	let n = y / 400n;
	y -= 400n * n;
	let d = DAYS_PER_400 * n;
	n = y / 100n;
	y -= 100n * n;
	d += DAYS_PER_100 * n;
	n = y / 4n;
	y -= 4n * n;
	d += DAYS_PER_4 * n;
	d += 365n * y;
	return U64(d);
}

/** Go's int64(f) on amd64: truncated; NaN, infinities and values out of range give the smallest int64. */
function goInt64(f: number): bigint {
	if (!(f > -9223372036854775808 && f < 9223372036854775808)) return -9223372036854775808n;
	return BigInt(Math.trunc(f));
}

/** A date function of seconds since the epoch (time.Unix(sec, 0).UTC()), as Go computes it. */
export function dateOf(fn: DateFunction, secs: number | bigint): number {
	const sec = typeof secs === 'bigint' ? secs : goInt64(secs);
	// t.abs(): Unix seconds to absolute seconds.
	const abs = U64(sec + (UNIX_TO_INTERNAL - ABSOLUTE_TO_INTERNAL));
	switch (fn) {
		case 'hour':
			return Number((abs % SECONDS_PER_DAY) / 3600n);
		case 'minute':
			return Number((abs % 3600n) / 60n);
		case 'day_of_week':
			// Monday is 1: the absolute epoch is a Monday.
			return Number(((abs + SECONDS_PER_DAY) % (7n * SECONDS_PER_DAY)) / SECONDS_PER_DAY);
		default:
			break;
	}
	const { year, month, day, yday } = absDate(abs);
	switch (fn) {
		case 'year':
			return Number(year);
		case 'month':
			return month;
		case 'day_of_month':
			return day;
		case 'day_of_year':
			return yday + 1;
		default: {
			// days_in_month: 32 - time.Date(year, month, 32).Day().
			let d = daysSinceEpoch(year) + BigInt(DAYS_BEFORE[month - 1]!);
			if (isLeap(year) && month >= 3) d++;
			d = U64(d + 31n);
			return 32 - absDate(U64(d * SECONDS_PER_DAY)).day;
		}
	}
}

/** year(), minute(v), ...: of each element's value (seconds), or of the evaluation time without an argument. */
export class DateNode extends VectorNode {
	private readonly empty: LabelSet;

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly input: VectorNode | undefined
	) {
		super(ctx, node);
		this.empty = ctx.interner.of({});
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const fn = this.node.fn as DateFunction;
		if (!this.input) {
			out.push(this.empty, dateOf(fn, BigInt(Math.trunc(t / 1000))));
			return out;
		}
		const v = this.input.eval(t);
		for (let i = 0; i < v.n; i++) out.push(this.ctx.interner.dropName(v.ls[i]!), dateOf(fn, v.v[i]!));
		this.checkDuplicates(out);
		return out;
	}
}

/**
 * timestamp(v): the time of each element in seconds: of its sample when v is a selector, else the
 * evaluation time.
 */
export class TimestampNode extends VectorNode {
	constructor(
		ctx: EvalContext,
		node: CallNode,
		private readonly input: VectorNode,
		private readonly times: number[] | undefined
	) {
		super(ctx, node);
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const v = this.input.eval(t);
		for (let i = 0; i < v.n; i++) out.push(this.ctx.interner.dropName(v.ls[i]!), (this.times ? this.times[i]! : t) / 1000);
		this.checkDuplicates(out);
		return out;
	}
}

/** sort(v), sort_desc(v): by value, NaN last. */
export class SortNode extends VectorNode {
	private readonly idx: number[] = [];

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly input: VectorNode
	) {
		super(ctx, node);
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		const v = this.input.eval(t);
		const idx = this.idx;
		idx.length = 0;
		for (let i = 0; i < v.n; i++) idx.push(i);
		const desc = this.node.fn === 'sort_desc';
		idx.sort((a, b) => {
			const x = v.v[a]!;
			const y = v.v[b]!;
			if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
			if (Number.isNaN(y)) return -1;
			return desc ? (x > y ? -1 : x < y ? 1 : 0) : x < y ? -1 : x > y ? 1 : 0;
		});
		for (const i of idx) out.push(v.ls[i]!, v.v[i]!);
		return out;
	}
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}` and `$$` in a template, with the groups of a
 * match (a name is the longest run of letters, digits and `_`, so `$1x` is the group "1x").
 */
export function expandTemplate(template: string, group: (nameOrIndex: string | number) => string | null): string {
	let out = '';
	let rest = template;
	for (;;) {
		const at = rest.indexOf('$');
		if (at < 0) break;
		out += rest.slice(0, at);
		rest = rest.slice(at + 1);
		if (rest.startsWith('$')) {
			out += '$';
			rest = rest.slice(1);
			continue;
		}
		let s = rest;
		let brace = false;
		if (s.startsWith('{')) {
			brace = true;
			s = s.slice(1);
		}
		const m = /^[\p{L}\p{Nd}_]+/u.exec(s);
		if (!m || (brace && s[m[0].length] !== '}')) {
			out += '$';
			continue;
		}
		const name = m[0];
		rest = s.slice(name.length + (brace ? 1 : 0));
		// A group number: digits only, no leading zero, at most nine of them (Go's extract).
		const num = /^[0-9]{1,9}$/.test(name) && !(name[0] === '0' && name.length > 1) ? Number(name) : -1;
		out += (num >= 0 ? group(num) : group(name)) ?? '';
	}
	return out + rest;
}

/** label_replace(v, dst, replacement, src, regex): as Prometheus v2.42, regex anchored at both ends. */
export class LabelReplaceNode extends VectorNode {
	private readonly re: RE2JS | undefined;
	private readonly cache = new Map<LabelSet, LabelSet>();

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly input: VectorNode,
		private readonly dst: string,
		private readonly replacement: string,
		private readonly src: string,
		private readonly regex: string
	) {
		super(ctx, node);
		try {
			this.re = RE2JS.compile(`^(?:${regex})$`);
		} catch {
			this.re = undefined;
		}
	}

	eval(t: number): Vec {
		if (!this.re) throw execError(this.ctx, `invalid regular expression in label_replace(): ${this.regex}`, this.node);
		if (!LABEL_NAME_RE.test(this.dst)) throw execError(this.ctx, `invalid destination label name in label_replace(): ${this.dst}`, this.node);
		const out = this.out;
		out.n = 0;
		const v = this.input.eval(t);
		for (let i = 0; i < v.n; i++) {
			const ls = v.ls[i]!;
			let res = this.cache.get(ls);
			if (!res) {
				const m = this.re.matcher(ls.get(this.src));
				if (!m.find()) res = ls;
				else {
					const names = this.re.namedGroups();
					const value = expandTemplate(this.replacement, (g) => {
						if (typeof g === 'number') return g <= m.groupCount() ? m.group(g) : null;
						return g in names ? m.group(names[g]!) : null;
					});
					const labels = { ...ls.labels };
					delete labels[this.dst];
					if (value !== '') labels[this.dst] = value;
					res = this.ctx.interner.of(labels);
				}
				this.cache.set(ls, res);
			}
			out.push(res, v.v[i]!);
		}
		this.checkDuplicates(out);
		return out;
	}
}

/** label_join(v, dst, separator, src...): the source labels' values joined into dst. */
export class LabelJoinNode extends VectorNode {
	private readonly cache = new Map<LabelSet, LabelSet>();

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly input: VectorNode,
		private readonly dst: string,
		private readonly sep: string,
		private readonly srcs: string[]
	) {
		super(ctx, node);
	}

	eval(t: number): Vec {
		for (const s of this.srcs) if (!LABEL_NAME_RE.test(s)) throw execError(this.ctx, `invalid source label name in label_join(): ${s}`, this.node);
		if (!LABEL_NAME_RE.test(this.dst)) throw execError(this.ctx, `invalid destination label name in label_join(): ${this.dst}`, this.node);
		const out = this.out;
		out.n = 0;
		const v = this.input.eval(t);
		for (let i = 0; i < v.n; i++) {
			const ls = v.ls[i]!;
			let res = this.cache.get(ls);
			if (!res) {
				const value = this.srcs.map((s) => ls.get(s)).join(this.sep);
				const labels = { ...ls.labels };
				delete labels[this.dst];
				if (value !== '') labels[this.dst] = value;
				res = this.ctx.interner.of(labels);
				this.cache.set(ls, res);
			}
			out.push(res, v.v[i]!);
		}
		this.checkDuplicates(out);
		return out;
	}
}

/**
 * histogram_count, histogram_sum, histogram_fraction: of native histograms, which Vigil does not
 * store; of float samples they give nothing, as in Prometheus.
 */
export class NativeHistogramNode extends VectorNode {
	constructor(
		ctx: EvalContext,
		node: CallNode,
		private readonly input: VectorNode,
		private readonly params: ScalarNode[]
	) {
		super(ctx, node);
	}

	eval(t: number): Vec {
		for (const p of this.params) p.eval(t);
		this.input.eval(t);
		this.out.n = 0;
		return this.out;
	}
}

/** absent(v): nothing when v has elements, else 1 with the labels of v's equality matchers. */
export class AbsentNode extends VectorNode {
	private readonly ls: LabelSet;

	constructor(
		ctx: EvalContext,
		readonly node: CallNode,
		private readonly input: VectorNode
	) {
		super(ctx, node);
		this.ls = ctx.interner.of(node.absentLabels ?? {});
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		if (this.input.eval(t).n === 0) out.push(this.ls, 1);
		return out;
	}
}

/** vector(s): one element without labels. */
export class VectorOfNode extends VectorNode {
	private readonly ls: LabelSet;

	constructor(
		ctx: EvalContext,
		at: Node,
		private readonly input: ScalarNode
	) {
		super(ctx, at);
		this.ls = ctx.interner.of({});
	}

	eval(t: number): Vec {
		const out = this.out;
		out.n = 0;
		out.push(this.ls, this.input.eval(t));
		return out;
	}
}
