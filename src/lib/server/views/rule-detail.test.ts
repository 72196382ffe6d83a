import { describe, expect, it } from 'vitest';
import type { AlertInstance, RuleState } from '../rules/types';
import { ruleLabelSets, silencesMatching } from './rule-detail';
import type { Matcher } from '../alerting/muting';
import { groupIntervalMs } from '../alerting/ruleset';

const inst = (labels: Record<string, string>, state: AlertInstance['state']): AlertInstance => ({ fingerprint: JSON.stringify(labels), labels, annotations: {}, state, value: 1, activeAt: 0 });
const silence = (id: string, matchers: Matcher[]) => ({ id, matchers });

describe('rule detail helpers', () => {
	const spec = { alert: 'PaymentFailures', expr: 'x > 1', severity: 'critical' as const, labels: { team: 'pay', who: '{{ $labels.owner }}' } };

	it('a rule without live instances is matched by its alert name and constant labels', () => {
		expect(ruleLabelSets(spec, null)).toEqual([{ team: 'pay', severity: 'critical', alertname: 'PaymentFailures' }]);
		const state: RuleState = { ruleId: 'shop/PaymentFailures', health: 'ok', lastEvalDurationMs: 0, instances: [inst({ alertname: 'PaymentFailures', service: 'old' }, 'inactive')] };
		expect(ruleLabelSets(spec, state)).toHaveLength(1);
		expect(ruleLabelSets(spec, state)[0]!.service).toBeUndefined();
	});

	it('with instances, a silence matching any one of them matches the rule', () => {
		const state: RuleState = {
			ruleId: 'shop/PaymentFailures',
			health: 'ok',
			lastEvalDurationMs: 0,
			instances: [inst({ alertname: 'PaymentFailures', service: 'payments' }, 'firing'), inst({ alertname: 'PaymentFailures', service: 'refunds' }, 'pending')]
		};
		const sets = ruleLabelSets(spec, state);
		const all = [
			silence('a', [{ name: 'alertname', op: '=', value: 'PaymentFailures' }]),
			silence('b', [{ name: 'service', op: '=~', value: 'ref.*' }]),
			silence('c', [{ name: 'service', op: '=', value: 'search' }]),
			silence('d', [{ name: 'alertname', op: '!=', value: 'PaymentFailures' }])
		];
		expect(silencesMatching(all, sets).map((s) => s.id)).toEqual(['a', 'b']);
	});

	it('group intervals: its own, else the configured default', () => {
		expect(groupIntervalMs('10s', 60_000)).toBe(10_000);
		expect(groupIntervalMs(null, 60_000)).toBe(60_000);
		expect(groupIntervalMs(undefined, 45_000)).toBe(45_000);
		expect(groupIntervalMs('0s', 45_000)).toBe(45_000);
	});
});
