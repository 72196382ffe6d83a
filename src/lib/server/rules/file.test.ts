import { describe, expect, it } from 'vitest';
import { compileRule } from './compile';
import { formatRuleFile, parseRuleFile } from './file';
import { formatRuleProblem } from './problems';

const GOOD = `groups:
  - name: checkout
    interval: 30s
    rules:
      - alert: CheckoutSlow
        expr: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout"}[5m]))) > 2
        for: 5m
        keep_firing_for: 2m
        clear_threshold: 1.5
        severity: critical
        runbook_url: https://runbooks.example.com/checkout-slow
        nodata: alerting
        labels:
          team: shop
        annotations:
          summary: "p95 is {{ $value | humanizeDuration }}"
      - alert: PaymentsFailing
        expr: |
          sum by (instance) (rate(payment_failures_total[5m]))
            / sum by (instance) (rate(payments_total[5m])) > 0.05
        clear_expr: |
          sum by (instance) (rate(payment_failures_total[5m]))
            / sum by (instance) (rate(payments_total[5m])) < 0.01
  - name: infra
    rules:
      - alert: Up
        expr: up == 0
        labels:
          severity: page
`;

const lines = (text: string, file = 'rules/shop.yml') => parseRuleFile(text, file).problems.map(formatRuleProblem);

describe('runbook_url', () => {
	const problems = (runbook_url: string) => compileRule({ alert: 'A', expr: 'up == 0', runbook_url }, { name: 'g', intervalMs: 60_000 }).problems.map((p) => `${p.path.join('.')}: ${p.message}`);

	it.each(['https://wiki.example.com/runbooks/a', '/runbooks/a', 'https://wiki/{{ $labels.service }}', '/runbooks/{{ $labels.service | toLower }}', '{{ $externalURL }}/runbooks/a'])('stores %s', (url) => {
		expect(problems(url)).toEqual([]);
	});

	it.each([
		['javascript:alert(1)//{{ $labels.service }}', 'javascript:alert(1)//'],
		['JAVASCRIPT:{{ $value }}', 'JAVASCRIPT:'],
		['data:text/html,{{ $labels.x }}', 'data:text/html,'],
		[' javascript:{{ $value }}', ' javascript:']
	])('refuses the template %j, naming runbook_url', (url, start) => {
		expect(problems(url)).toEqual([`runbook_url: expected an http:// or https:// URL, or a path on this site (/..., ./..., ../...): the text before the first {{ must start one, got ${JSON.stringify(start)}`]);
	});

	it.each(['javascript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,x', '//evil.example.com/'])('refuses the link %j, naming runbook_url', (url) => {
		expect(problems(url)).toEqual([`runbook_url: expected an http:// or https:// URL, or a path on this site (/..., ./..., ../...), got ${JSON.stringify(url)}`]);
	});
});

describe('rule files', () => {
	it('compiles a valid file', () => {
		const { groups, problems } = parseRuleFile(GOOD, 'rules/shop.yml');
		expect(problems).toEqual([]);
		expect(groups.map((g) => [g.name, g.intervalMs, g.rules.map((r) => r.id)])).toEqual([
			['checkout', 30_000, ['checkout/CheckoutSlow', 'checkout/PaymentsFailing']],
			['infra', 30_000, ['infra/Up']]
		]);
		// A group that names no interval takes the one given (the config's alerts.defaultInterval).
		expect(parseRuleFile(GOOD, 'rules/shop.yml', { defaultIntervalMs: 60_000 }).groups.map((g) => g.intervalMs)).toEqual([30_000, 60_000]);
		const slow = groups[0]!.rules[0]!;
		expect(slow).toMatchObject({ forMs: 300_000, keepFiringForMs: 120_000, nodata: 'alerting', severity: 'critical', runbookUrl: 'https://runbooks.example.com/checkout-slow', hysteresis: true, intervalMs: 30_000, index: 0 });
		// The severity key sets the severity label; runbook_url stays a field of the rule.
		expect(Object.keys(slow.labels).sort()).toEqual(['severity', 'team']);
		expect(slow.labels.severity!.source).toBe('critical');
		expect(Object.keys(slow.annotations)).toEqual(['summary']);
		expect(slow.clear!.text).toBe('(histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout"}[5m])))) < 1.5');
		expect(slow.presence!.text).toBe('histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout"}[5m])))');
		expect(slow.data!.text).toBe('count_over_time({service="checkout", __name__="http_request_duration_seconds_bucket"}[300000ms])'.replace('300000ms', '300s'));
		const pay = groups[0]!.rules[1]!;
		expect(pay.hysteresis).toBe(true);
		expect(pay.presence!.text).toContain('count_over_time({__name__="payment_failures_total"}[300s])');
		// A severity label outside info|warning|critical is kept as written (Prometheus rules use others).
		expect(groups[1]!.rules[0]!.severity).toBeUndefined();
		expect(groups[1]!.rules[0]!.labels.severity!.source).toBe('page');
	});

	it('reports every problem with file, group, rule, field and line', () => {
		const text = `groups:
  - name: checkout
    rules:
      - alert: CheckoutSlow
        expr: rate(x[5m]) >
        for: 5x
      - alert: CheckoutSlow
        expr: up
        labels:
          __reserved: x
          team: "{{ $labels.team | upper }}"
        annotations:
          summary: "{{ range $labels }}high{{ end }}"
        severty: critical
      - record: job:up:sum
        expr: sum(up)
      - alert: Bad name
        expr: up[5m]
        clear_expr: up < 1
        clear_threshold: 3
  - name: checkout
    interval: 0s
    rules: []
extra: 1
`;
		expect(lines(text)).toEqual([
			'rules/shop.yml:5: group "checkout" rule 1 (CheckoutSlow): expr: unexpected end of input at 1:14',
			'rules/shop.yml:6: group "checkout" rule 1 (CheckoutSlow): for: expected a duration like "5m", got "5x"',
			'rules/shop.yml:10: group "checkout" rule 2 (CheckoutSlow): labels.__reserved: label name "__reserved" is reserved (names starting with __ are internal)',
			'rules/shop.yml:11: group "checkout" rule 2 (CheckoutSlow): labels.team: template: function "upper" not defined; use one of humanize, humanize1024, humanizePercentage, humanizeDuration, printf, toUpper, toLower, title at 1:19',
			'rules/shop.yml:13: group "checkout" rule 2 (CheckoutSlow): annotations.summary: template: "range" is not supported in Vigil rule templates at 1:4',
			'rules/shop.yml:14: group "checkout" rule 2 (CheckoutSlow): severty: unknown key; did you mean "severity"?',
			'rules/shop.yml:17: group "checkout" rule 4 (Bad name): alert: invalid alert name "Bad name": use letters, digits and underscores (^[A-Za-z_][A-Za-z0-9_]*$)',
			'rules/shop.yml:18: group "checkout" rule 4 (Bad name): expr: must be an instant vector or a scalar, got a range vector; wrap it in a function such as rate() or max_over_time()',
			'rules/shop.yml:20: group "checkout" rule 4 (Bad name): clear_threshold: clear_expr and clear_threshold are mutually exclusive; keep one',
			'rules/shop.yml:21: group "checkout": name: group name "checkout" is repeated in the same file (first at group 1)',
			'rules/shop.yml:22: group "checkout": interval: must be more than 0s',
			'rules/shop.yml:24: extra: unknown key; a rule file has only `groups:`'
		]);
	});

	it('lets rules of a group share an alert name, as Prometheus does, with ids in file order', () => {
		const text = `groups:
  - name: latency
    rules:
      - alert: Slow
        expr: lat > 1
        severity: warning
      - alert: Other
        expr: lat > 0
      - alert: Slow
        expr: lat > 5
        severity: critical
`;
		const r = parseRuleFile(text, 'x.yml');
		expect(r.problems).toEqual([]);
		expect(r.groups[0]!.rules.map((x) => [x.id, x.index])).toEqual([
			['latency/Slow', 0],
			['latency/Other', 1],
			['latency/Slow#2', 2]
		]);
		expect(r.groups[0]!.spec.rules).toHaveLength(3);
	});

	it('puts an error inside a block expression on its own line', () => {
		const text = `groups:
  - name: g
    rules:
      - alert: A
        expr: |
          sum(rate(x[5m]))
            / sum(rate(y[5m])) )
        for: 1m
`;
		const [p] = parseRuleFile(text, 'f.yml').problems;
		expect(p!.line).toBe(7);
		expect(p!.message).toMatch(/at 2:/);
	});

	it('refuses clear_threshold without a threshold shape, or on the wrong side', () => {
		const rule = (expr: string, clear: number) => compileRule({ alert: 'A', expr, clear_threshold: clear }, { name: 'g', intervalMs: 60_000 }).problems.map((p) => p.message);
		expect(rule('up == 0', 1)[0]).toContain('needs an expr of the form');
		expect(rule('up > bool 1', 1)[0]).toContain('needs an expr of the form');
		expect(rule('x > 5', 7)[0]).toContain('must be at most the threshold 5');
		expect(rule('x < 5', 3)[0]).toContain('must be at least the threshold 5');
		expect(rule('x < -5', -3)).toEqual([]);
		const ok = compileRule({ alert: 'A', expr: 'x <= -5', clear_threshold: -3 }, { name: 'g', intervalMs: 60_000 }).rule!;
		expect(ok.clear!.text).toBe('(x) > -3');
	});

	it('has no no-data check for expressions with absent() or without selectors', () => {
		const c = (expr: string) => compileRule({ alert: 'A', expr }, { name: 'g', intervalMs: 60_000 }).rule!;
		expect(c('absent(up{job="x"})').data).toBeUndefined();
		expect(c('vector(1)').data).toBeUndefined();
		expect(c('up offset 5m > 1 and rate(x[1m]) > 0').data!.text).toBe('{__name__="up"} offset 300s or count_over_time({__name__="x"}[60s])');
	});

	it('accepts an empty file and reports YAML errors with their line', () => {
		expect(parseRuleFile('', 'f.yml')).toEqual({ groups: [], problems: [] });
		expect(lines('groups:\n  - name: [\n', 'f.yml')[0]).toMatch(/^f\.yml:3: YAML: /);
	});

	it('formats groups as a file that parses back to the same groups', () => {
		const first = parseRuleFile(GOOD, 'a.yml');
		const text = formatRuleFile(first.groups);
		const again = parseRuleFile(text, 'b.yml');
		expect(again.problems).toEqual([]);
		expect(again.groups.map((g) => g.spec)).toEqual(first.groups.map((g) => g.spec));
		expect(formatRuleFile(again.groups)).toBe(text);
		expect(text).toContain('expr: |');
	});
});
