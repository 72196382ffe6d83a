import { describe, expect, it } from 'vitest';
import { checkRuleText, renderRuleFor } from './edit';

const group = { name: 'shop', intervalMs: 30_000 };

describe('checkRuleText', () => {
	it('compiles a good rule, with its threshold and clear lines', () => {
		const r = checkRuleText('alert: PaymentFailures\nexpr: rate(payment_failures_total[5m]) > 0.5\nclear_threshold: 0.2\nfor: 2m\n', group);
		expect(r.problems).toEqual([]);
		expect(r.rule?.id).toBe('shop/PaymentFailures');
		expect(r.spec).toMatchObject({ alert: 'PaymentFailures', for: '2m', clear_threshold: 0.2 });
		expect(r.threshold).toEqual({ lhs: 'rate(payment_failures_total[5m])', op: '>', threshold: 0.5, clear: 0.2 });
	});

	it('locates a typo in the expression by line, column and offsets inside expr', () => {
		const expr = 'rate(payment_failures_total[5m]) >> 0.5';
		const r = checkRuleText(`alert: A\nexpr: "${expr}"\n`, group);
		expect(r.rule).toBeUndefined();
		expect(r.problems).toHaveLength(1);
		const [p] = r.problems;
		expect(p).toMatchObject({ path: 'expr', line: 1 });
		expect(p!.column).toBe(p!.from! + 1);
		expect(p!.from).toBeGreaterThanOrEqual(expr.indexOf('>>'));
		expect(p!.from).toBeLessThanOrEqual(expr.indexOf('>>') + 2);
		expect(p!.to).toBeGreaterThanOrEqual(p!.from!);
	});

	it('positions in a multi-line expression count lines of the field', () => {
		const r = checkRuleText('alert: A\nexpr: |\n  sum(rate(x[5m]))\n    > bogus(x\n', group);
		// Prometheus reports the unclosed parenthesis where the input ends: after the last line break.
		expect(r.problems[0]).toMatchObject({ path: 'expr', line: 3, message: expect.stringContaining('unclosed left parenthesis') });
	});

	it('names the field of every problem, templates with their position', () => {
		const r = checkRuleText('alert: A\nexpr: up == 0\nfor: soon\nlabels:\n  team: "{{ $labels.team "\nannotations:\n  summary: "ok {{ nope }}"\nfrobnicate: 1\n', group);
		const paths = r.problems.map((p) => p.path).sort();
		expect(paths).toEqual(['annotations.summary', 'for', 'frobnicate', 'labels.team']);
		const tpl = r.problems.find((p) => p.path === 'annotations.summary')!;
		expect(tpl.line).toBe(1);
		expect(tpl.from).toBeGreaterThanOrEqual(3);
	});

	it('refuses a renamed alert when the name must stay', () => {
		const r = checkRuleText('alert: B\nexpr: up == 0\n', group, { expectAlert: 'A' });
		expect(r.problems[0]).toMatchObject({ path: 'alert' });
		expect(r.rule).toBeUndefined();
	});

	it('reports YAML that does not read at `yaml` with its place, and non-rules at the rule', () => {
		expect(checkRuleText('alert: A\nexpr: [up\n', group).problems[0]).toMatchObject({ path: 'yaml', line: expect.any(Number) });
		expect(checkRuleText('', group).problems[0]!.path).toBe('');
		expect(checkRuleText('- a\n- b\n', group).problems[0]!.path).toBe('');
	});

	it('accepts a rule file with exactly one rule', () => {
		const r = checkRuleText('groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n', group);
		expect(r.problems).toEqual([]);
	});
});

describe('renderRuleFor', () => {
	it('renders labels and annotations for an instance as the state machine does', () => {
		const { rule } = checkRuleText('alert: High\nexpr: x > 1\nseverity: critical\nlabels:\n  team: "{{ $labels.owner }}"\n  drop: ""\nannotations:\n  summary: "{{ $labels.instance }} at {{ $value | humanize }}"\n', group);
		const out = renderRuleFor(rule!, { __name__: 'x', instance: 'a:1', owner: 'pay', drop: 'gone' }, 1234.5);
		expect(out.labels).toEqual({ instance: 'a:1', owner: 'pay', team: 'pay', severity: 'critical', alertname: 'High' });
		expect(out.annotations).toEqual({ summary: 'a:1 at 1.234k' });
	});
});
