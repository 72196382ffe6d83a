/**
 * Label sets as the evaluator handles them: interned per evaluation (equal labels give the same
 * object), so that identity stands for equality, and derived sets (without the metric name,
 * grouped, matched) are worked out once per input set rather than once per step.
 */
import type { Labels } from '../../shared/series';

export class LabelSet {
	/** Set by duplicate checks: the check that last saw this set. */
	stamp = 0;
	/** This set without `__name__`, once worked out. */
	noName: LabelSet | undefined;

	constructor(
		readonly labels: Readonly<Labels>,
		readonly key: string,
		readonly id: number
	) {}

	get(name: string): string {
		return this.labels[name] ?? '';
	}

	has(name: string): boolean {
		return name in this.labels;
	}
}

/** An unambiguous text of some labels of a set: `name=len:value,` for each, sorted by name. */
export function labelsKey(labels: Readonly<Labels>, names?: readonly string[]): string {
	const list = names ?? Object.keys(labels).sort();
	let out = '';
	for (const n of list) {
		const v = labels[n];
		if (v === undefined || v === '') continue;
		out += `${n}=${v.length}:${v},`;
	}
	return out;
}

/** Compares label sets as Prometheus orders series (sorted names, then values, pair by pair). */
export function compareLabels(a: Readonly<Labels>, b: Readonly<Labels>): number {
	return compareNamed(a, Object.keys(a).sort(), b, Object.keys(b).sort());
}

/** Items in compareLabels' order, each item's sorted label names worked out once, not per comparison. */
export function sortByLabels<T>(items: T[], labelsOf: (item: T) => Readonly<Labels>): T[] {
	const named = items.map((item) => {
		const labels = labelsOf(item);
		return { item, labels, names: Object.keys(labels).sort() };
	});
	named.sort((x, y) => compareNamed(x.labels, x.names, y.labels, y.names));
	return named.map((x) => x.item);
}

function compareNamed(a: Readonly<Labels>, an: readonly string[], b: Readonly<Labels>, bn: readonly string[]): number {
	const l = Math.min(an.length, bn.length);
	for (let i = 0; i < l; i++) {
		const x = an[i]!;
		const y = bn[i]!;
		if (x !== y) return x < y ? -1 : 1;
		const xv = a[x]!;
		const yv = b[y]!;
		if (xv !== yv) return xv < yv ? -1 : 1;
	}
	return an.length - bn.length;
}

export class Interner {
	private readonly sets = new Map<string, LabelSet>();
	private nextId = 1;

	/** The set for these labels (empty values are dropped, as Prometheus does). */
	of(labels: Readonly<Labels>): LabelSet {
		let clean: Labels | undefined;
		for (const k in labels) {
			if (labels[k] === '') {
				clean ??= { ...labels };
				delete clean[k];
			}
		}
		const l = clean ?? labels;
		const key = labelsKey(l);
		let s = this.sets.get(key);
		if (!s) {
			s = new LabelSet(l, key, this.nextId++);
			this.sets.set(key, s);
		}
		return s;
	}

	dropName(s: LabelSet): LabelSet {
		if (s.noName) return s.noName;
		let out = s;
		if ('__name__' in s.labels) {
			const l = { ...s.labels };
			delete l.__name__;
			out = this.of(l);
		}
		s.noName = out;
		return out;
	}

	/** Labels kept (`on`/`by`) or all but those (`ignoring`/`without`, which also drop the name). */
	pick(s: LabelSet, names: readonly string[], keep: boolean): Labels {
		const out: Labels = {};
		if (keep) {
			for (const n of names) if (n in s.labels) out[n] = s.labels[n]!;
		} else {
			for (const n in s.labels) if (n !== '__name__' && !names.includes(n)) out[n] = s.labels[n]!;
		}
		return out;
	}
}

/** Go's strconv.Quote for label values in messages (close enough for printable text). */
export function goQuote(s: string): string {
	let out = '"';
	for (const ch of s) {
		const c = ch.codePointAt(0)!;
		if (ch === '"' || ch === '\\') out += '\\' + ch;
		else if (ch === '\n') out += '\\n';
		else if (ch === '\t') out += '\\t';
		else if (ch === '\r') out += '\\r';
		else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
		else out += ch;
	}
	return out + '"';
}

/** A label set as Prometheus prints it in messages: `{__name__="x", a="1"}`. */
export function formatLabels(labels: Readonly<Labels>): string {
	return `{${Object.keys(labels)
		.sort()
		.map((k) => `${k}=${goQuote(labels[k]!)}`)
		.join(', ')}}`;
}
