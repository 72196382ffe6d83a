import { describe, expect, it } from 'vitest';
import { restoreState, stepRule, type EvalOutcome } from './state';
import { compileTemplate } from './template';
import type { RuleState, StateRule, VectorSample } from './types';

const S = 1000;
const M = 60 * S;

function rule(over: Partial<Omit<StateRule, 'labels' | 'annotations'>> & { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): StateRule {
	const tmpl = (r: Record<string, string> = {}) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, compileTemplate(v, 'HighLatency')]));
	return {
		id: 'shop/HighLatency',
		name: 'HighLatency',
		forMs: 2 * M,
		keepFiringForMs: 0,
		nodata: 'nodata',
		hysteresis: false,
		...over,
		labels: tmpl(over.labels ?? { severity: 'warning' }),
		annotations: tmpl(over.annotations ?? { summary: '{{ $labels.svc }} at {{ $value }}' })
	};
}

const v = (value: number, svc = 'checkout'): VectorSample => ({ labels: { __name__: 'latency', svc }, value });
const vec = (...samples: VectorSample[]): EvalOutcome => ({ kind: 'vector', samples });

/** Runs a rule over outcomes at 0, 1m, 2m, ...; returns the state after each step and all events. */
function run(r: StateRule, outcomes: EvalOutcome[], start: RuleState | undefined = undefined, t0 = 0, step = M) {
	let state = start;
	const states: RuleState[] = [];
	const events = [];
	for (let i = 0; i < outcomes.length; i++) {
		const res = stepRule(r, t0 + i * step, outcomes[i]!, state);
		state = res.state;
		states.push(state);
		events.push(...res.events.map((e) => `${e.at / S}s ${e.labels.svc ?? '-'} ${e.from}->${e.to}`));
	}
	const summary = states.map((s) => s.instances.map((a) => `${a.labels.svc ?? '-'}:${a.state}`).sort().join(',') || '-');
	return { states, events, summary, last: state! };
}

describe('state machine: Prometheus semantics', () => {
	it('inactive -> pending -> firing -> resolved, one event per change', () => {
		const r = rule();
		const { summary, events, states } = run(r, [vec(v(5)), vec(v(6)), vec(v(7)), vec()]);
		expect(summary).toEqual(['checkout:pending', 'checkout:pending', 'checkout:firing', 'checkout:inactive']);
		expect(events).toEqual(['0s checkout inactive->pending', '120s checkout pending->firing', '180s checkout firing->inactive']);
		const a = states[2]!.instances[0]!;
		expect(a.labels).toEqual({ alertname: 'HighLatency', severity: 'warning', svc: 'checkout' });
		expect(a.annotations).toEqual({ summary: 'checkout at 7' });
		expect(a).toMatchObject({ activeAt: 0, firedAt: 2 * M, value: 7 });
		expect(states[3]!.instances[0]).toMatchObject({ resolvedAt: 3 * M, firedAt: 2 * M });
		expect(states[3]!.health).toBe('ok');
	});

	it('for: 0 fires at once with a single event', () => {
		const { summary, events } = run(rule({ forMs: 0 }), [vec(v(5))]);
		expect(summary).toEqual(['checkout:firing']);
		expect(events).toEqual(['0s checkout inactive->firing']);
	});

	it('a pending instance that vanishes is dropped', () => {
		const { summary, events } = run(rule(), [vec(v(5)), vec(), vec(v(5))]);
		expect(summary).toEqual(['checkout:pending', '-', 'checkout:pending']);
		expect(events).toEqual(['0s checkout inactive->pending', '60s checkout pending->inactive', '120s checkout inactive->pending']);
	});

	it('keep_firing_for holds a firing instance through gaps shorter than it', () => {
		const r = rule({ forMs: 0, keepFiringForMs: 2 * M });
		const { summary, events, states } = run(r, [vec(v(5)), vec(), vec(v(5)), vec(), vec(), vec()]);
		// Gap at 1m (back at 2m), then a gap from 3m: still firing at 4m, resolved at 5m (2m after 3m).
		expect(summary).toEqual(['checkout:firing', 'checkout:firing', 'checkout:firing', 'checkout:firing', 'checkout:firing', 'checkout:inactive']);
		expect(states[1]!.instances[0]!.keepFiringSince).toBe(M);
		expect(states[2]!.instances[0]!.keepFiringSince).toBeUndefined();
		expect(states[3]!.instances[0]!.keepFiringSince).toBe(3 * M);
		expect(events).toEqual(['0s checkout inactive->firing', '300s checkout firing->inactive']);
	});

	it('keeps a resolved instance 15 minutes, then drops it', () => {
		const outcomes = [vec(v(5)), ...Array.from({ length: 17 }, () => vec())];
		const { summary } = run(rule({ forMs: 0 }), outcomes);
		expect(summary[1]).toBe('checkout:inactive'); // resolved at 1m
		expect(summary[16]).toBe('checkout:inactive'); // 16m: 15m after resolving, still kept
		expect(summary[17]).toBe('-'); // 17m: more than 15m, dropped
	});

	it('a resolved instance that comes back is a new pending instance', () => {
		const { states, events } = run(rule({ forMs: M }), [vec(v(5)), vec(v(5)), vec(), vec(v(5))]);
		expect(states[3]!.instances[0]).toMatchObject({ state: 'pending', activeAt: 3 * M });
		expect(states[3]!.instances[0]!.resolvedAt).toBeUndefined();
		expect(events.at(-1)).toBe('180s checkout inactive->pending');
	});

	it('instances per series, labels from templates, value and annotations updated', () => {
		const r = rule({ forMs: 0, labels: { team: '{{ $labels.svc | toUpper }}' } });
		const { last } = run(r, [vec(v(5, 'a'), v(6, 'b')), vec(v(7, 'a'), v(8, 'b'))]);
		expect(last.instances.map((a) => [a.labels.team, a.value, a.annotations.summary])).toEqual(
			expect.arrayContaining([
				['A', 7, 'a at 7'],
				['B', 8, 'b at 8']
			])
		);
	});

	it('two series with the same labels after the rule labels are an error, and nothing changes', () => {
		const r = rule({ forMs: 0, labels: { svc: 'fixed' } });
		const first = run(r, [vec(v(5, 'a'))]).last;
		const { state } = stepRule(r, M, vec(v(5, 'a'), v(6, 'b')), first);
		expect(state.health).toBe('error');
		expect(state.lastError).toContain('same labelset');
		expect(state.instances.filter((a) => a.state === 'firing')).toHaveLength(1);
	});

	it('a scalar result (one sample, no labels) is one instance', () => {
		const { last } = run(rule({ forMs: 0 }), [vec({ labels: {}, value: 1 })]);
		expect(last.instances[0]!.labels).toEqual({ alertname: 'HighLatency', severity: 'warning' });
	});
});

describe('hysteresis', () => {
	const r = rule({ forMs: 0, hysteresis: true });
	const present = [{ __name__: 'latency', svc: 'checkout' }];
	const between: EvalOutcome = { kind: 'vector', samples: [], clear: [], present };
	const clear: EvalOutcome = { kind: 'vector', samples: [], clear: [v(1)], present };
	const gone: EvalOutcome = { kind: 'vector', samples: [], clear: [], present: [] };

	it('a firing instance between the thresholds stays firing until the clear condition returns it', () => {
		const { summary, events } = run(r, [vec(v(9)), between, between, vec(v(9)), between, clear]);
		expect(summary).toEqual(['checkout:firing', 'checkout:firing', 'checkout:firing', 'checkout:firing', 'checkout:firing', 'checkout:inactive']);
		expect(events).toEqual(['0s checkout inactive->firing', '300s checkout firing->inactive']);
	});

	it('a firing instance whose series has no data resolves as in Prometheus', () => {
		expect(run(r, [vec(v(9)), gone]).summary).toEqual(['checkout:firing', 'checkout:inactive']);
		expect(run(r, [vec(v(9)), { kind: 'vector', samples: [], nodata: true }]).summary).toEqual(['checkout:firing', '-:nodata,checkout:inactive']);
	});

	it('matches clear series by their labels, ignoring __name__ and the rule labels', () => {
		const other: EvalOutcome = { kind: 'vector', samples: [], clear: [v(1, 'payments')], present };
		expect(run(r, [vec(v(9)), other]).summary).toEqual(['checkout:firing', 'checkout:firing']);
		const renamed: EvalOutcome = { kind: 'vector', samples: [], clear: [{ labels: { __name__: 'other', svc: 'checkout', severity: 'x' }, value: 1 }], present };
		expect(run(r, [vec(v(9)), renamed]).summary).toEqual(['checkout:firing', 'checkout:inactive']);
	});

	it('keep_firing_for counts from when the instance is clear', () => {
		const k = rule({ forMs: 0, hysteresis: true, keepFiringForMs: 2 * M });
		expect(run(k, [vec(v(9)), between, clear, clear, clear]).summary).toEqual([
			'checkout:firing',
			'checkout:firing',
			'checkout:firing',
			'checkout:firing',
			'checkout:inactive'
		]);
	});

	it('pending instances are not held', () => {
		expect(run(rule({ hysteresis: true }), [vec(v(9)), between]).summary).toEqual(['checkout:pending', '-']);
	});
});

describe('no data', () => {
	const nodata: EvalOutcome = { kind: 'vector', samples: [], nodata: true };

	it('nodata (default): instances resolve, the rule is nodata with one nodata instance while it lasts', () => {
		const { summary, events, states } = run(rule({ forMs: 0 }), [vec(v(9)), nodata, nodata, vec(v(9))]);
		expect(summary).toEqual(['checkout:firing', '-:nodata,checkout:inactive', '-:nodata,checkout:inactive', 'checkout:firing']);
		expect(states.map((s) => s.health)).toEqual(['ok', 'nodata', 'nodata', 'ok']);
		const own = states[1]!.instances.find((a) => a.state === 'nodata')!;
		expect(own.labels).toEqual({ alertname: 'HighLatency', severity: 'warning' });
		expect(own.activeAt).toBe(M);
		expect(events).toEqual([
			'0s checkout inactive->firing',
			'60s checkout firing->inactive',
			'60s - inactive->nodata',
			'180s checkout inactive->firing',
			'180s - nodata->inactive'
		]);
	});

	it('alerting: one instance goes pending, then firing after for', () => {
		const { summary, states } = run(rule({ nodata: 'alerting' }), [nodata, nodata, nodata, vec()]);
		expect(summary).toEqual(['-:pending', '-:pending', '-:firing', '-:inactive']);
		expect(states[2]!.instances[0]!.labels).toEqual({ alertname: 'HighLatency', severity: 'warning' });
		expect(states.map((s) => s.health)).toEqual(['nodata', 'nodata', 'nodata', 'ok']);
	});

	it('ok: nothing but the Prometheus behaviour', () => {
		const { summary, states } = run(rule({ forMs: 0, nodata: 'ok' }), [vec(v(9)), nodata]);
		expect(summary).toEqual(['checkout:firing', 'checkout:inactive']);
		expect(states[1]!.health).toBe('ok');
	});

	it('keep_last: every instance keeps its state while data is missing', () => {
		const { summary, states, events } = run(rule({ nodata: 'keep_last' }), [vec(v(9)), nodata, nodata, nodata, vec(v(9))]);
		expect(summary).toEqual(['checkout:pending', 'checkout:pending', 'checkout:pending', 'checkout:pending', 'checkout:firing']);
		expect(states[3]!.health).toBe('nodata');
		expect(events).toEqual(['0s checkout inactive->pending', '240s checkout pending->firing']);
	});
});

describe('errors', () => {
	it('keep every instance as it was, with one error instance, and never read as ok', () => {
		const err: EvalOutcome = { kind: 'error', message: 'query timed out' };
		const { summary, states, events } = run(rule(), [vec(v(9)), err, err, vec(v(9)), vec(v(9))]);
		expect(summary).toEqual(['checkout:pending', '-:error,checkout:pending', '-:error,checkout:pending', 'checkout:firing', 'checkout:firing']);
		expect(states.map((s) => s.health)).toEqual(['ok', 'error', 'error', 'ok', 'ok']);
		expect(states[1]!.lastError).toBe('query timed out');
		expect(states[3]!.lastError).toBeUndefined();
		expect(states[1]!.instances.find((a) => a.state === 'error')!.annotations).toEqual({ error: 'query timed out' });
		expect(events).toEqual(['0s checkout inactive->pending', '60s - inactive->error', '180s - error->inactive', '180s checkout pending->firing']);
	});

	it('a firing instance is not resolved by an error', () => {
		const { summary } = run(rule({ forMs: 0 }), [vec(v(9)), { kind: 'error', message: 'store down' }]);
		expect(summary[1]).toBe('-:error,checkout:firing');
	});
});

describe('restore after a restart', () => {
	const r = rule({ forMs: 60 * S });

	it('a rule 40 s into a 60 s for fires 20 s after the restart; the outage does not count', () => {
		const step = 10 * S;
		const before = run(r, Array.from({ length: 5 }, () => vec(v(9))), undefined, 0, step).last; // 0..40 s
		expect(before.instances[0]).toMatchObject({ state: 'pending', activeAt: 0 });
		const savedAt = 40 * S;
		const now = savedAt + 5 * M; // five minutes down
		const restored = restoreState(JSON.parse(JSON.stringify(before)) as RuleState, savedAt, now, r);
		expect(restored.instances[0]!.activeAt).toBe(5 * M);
		const after = run(r, [vec(v(9)), vec(v(9)), vec(v(9))], restored, now, step);
		expect(after.summary).toEqual(['checkout:pending', 'checkout:pending', 'checkout:firing']);
		expect(after.events).toEqual([`${(now + 20 * S) / S}s checkout pending->firing`]);
	});

	it('a firing alert restored is not announced again and keeps its bookkeeping', () => {
		const fired = run(rule({ forMs: 0 }), [vec(v(9))]).last;
		fired.instances[0]!.lastSentAt = 5;
		fired.instances[0]!.lastNotifiedState = 'firing';
		const restored = restoreState(JSON.parse(JSON.stringify(fired)) as RuleState, 0, 10 * M, r);
		const { state, events } = stepRule(rule({ forMs: 0 }), 10 * M, vec(v(9)), restored);
		expect(events).toEqual([]);
		expect(state.instances[0]).toMatchObject({ state: 'firing', firedAt: 0, lastSentAt: 5, lastNotifiedState: 'firing' });
	});

	it('state of another rule is not restored', () => {
		const other = { ...run(r, [vec(v(9))]).last, ruleId: 'x/Other' };
		expect(restoreState(other, 0, M, r).instances).toEqual([]);
	});
});

describe('state is plain JSON', () => {
	it('survives a JSON round trip, NaN and infinities included', () => {
		const { last } = run(rule({ forMs: 0 }), [vec(v(NaN, 'a'), v(Infinity, 'b'))]);
		expect(JSON.parse(JSON.stringify(last))).toEqual(last);
		expect(last.instances.map((a) => a.value).sort()).toEqual(['+Inf', 'NaN']);
	});
});
