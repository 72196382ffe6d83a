import { describe, expect, it } from 'vitest';
import { boardDef } from '../../shared/boards';
import type { StoredGroup } from '../alerting/ruleset';
import type { RuleSpec } from '../rules/compile';
import { tileRules, watchingRules } from './board-rules';

const rule = (group: string, spec: RuleSpec, enabled = true) => ({ id: `${group}/${spec.alert}`, group, spec, version: 1, author: 't', at: 0, enabled, source: null });

const groups: StoredGroup[] = [
	{
		name: 'shop',
		interval: '15s',
		rules: [
			rule('shop', { alert: 'SystemFailureRatioAboveTarget', expr: 'system_failure_ratio > 0.001', severity: 'warning' }),
			rule('shop', { alert: 'Unanswered', expr: 'complaint_age_seconds{stage="unanswered"} > 86400', severity: 'critical' }),
			// Not a plain selector on the left: it watches no tile.
			rule('shop', { alert: 'Slow', expr: 'histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 2', severity: 'warning' }),
			rule('shop', { alert: 'Sum', expr: 'satisfaction_ratio + on() vector(0) < 0.9', severity: 'warning' }),
			rule('shop', { alert: 'Down', expr: 'up == 0', severity: 'critical' }),
			rule('shop', { alert: 'Disabled', expr: 'system_failure_ratio > 0.5', severity: 'critical' }, false)
		]
	}
];

describe('rules that watch tiles', () => {
	it('reads the rules of the form `selector op N`, enabled ones only, with their severity', () => {
		expect(watchingRules(groups).map((r) => [r.name, r.severity, r.op, r.threshold])).toEqual([
			['SystemFailureRatioAboveTarget', 'warning', '>', 0.001],
			['Unanswered', 'critical', '>', 86400]
		]);
	});

	it("a rule watches a tile's source when its every matcher is the source's own", () => {
		const def = boardDef.parse({
			name: 'b',
			tiles: [
				{ kind: 'stat', title: 'Failure ratio', selector: 'system_failure_ratio', unit: '%' },
				{ kind: 'stat', title: 'All complaint ages', selector: 'complaint_age_seconds' },
				{ kind: 'chart', title: 'Ages', series: [{ selector: 'complaint_age_seconds{stage="open"}' }, { selector: 'complaint_age_seconds{stage="unanswered", target="x"}' }] },
				{ kind: 'alerts', title: 'Alerts' }
			]
		});
		expect(tileRules(def, watchingRules(groups))).toEqual([
			{ tile: 0, source: 0, ruleId: 'shop/SystemFailureRatioAboveTarget', name: 'SystemFailureRatioAboveTarget', severity: 'warning', op: '>', threshold: 0.001 },
			// Narrower than the rule: every series it shows is watched. Wider (all stages) is not.
			{ tile: 2, source: 1, ruleId: 'shop/Unanswered', name: 'Unanswered', severity: 'critical', op: '>', threshold: 86400 }
		]);
	});
});
