import { describe, expect, it } from 'vitest';
import { checkRuleFiles, goDuration, promDuration, runRuleTests } from './unit-test';

const RULES = `groups:
  - name: g
    rules:
      - alert: A
        expr: m > -1000
        annotations:
          v: '{{ $value }}'
          l: '{{ $labels.x }}'
      - alert: Slow
        expr: lat > 5
        for: 2m
        keep_firing_for: 1m
        labels:
          severity: warning
        annotations:
          summary: '{{ $labels.svc }} at {{ $value | humanize }}'
`;

function fsOf(files: Record<string, string>) {
	return {
		readFile: async (p: string) => {
			if (!(p in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' });
			return files[p]!;
		},
		readDir: async (d: string) => Object.keys(files).filter((f) => f.startsWith(d + '/')).map((f) => f.slice(d.length + 1))
	};
}

async function run(files: Record<string, string>, which = ['/t/test.yml']) {
	const lines: string[] = [];
	const code = await runRuleTests(which, { out: (l) => lines.push(l), ...fsOf(files) });
	return { code, text: lines.join('\n') };
}

describe('rule unit tests (promtool format)', () => {
	it('passes when the alerts match, at eval times between evaluations too', async () => {
		const test = `rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'lat{svc="checkout"}'
        values: '1 9 9 9 9 1 1 1'
    alert_rule_test:
      - eval_time: 2m
        alertname: Slow
        exp_alerts: []
      - eval_time: 3m30s
        alertname: Slow
        exp_alerts:
          - exp_labels: { svc: checkout, severity: warning }
            exp_annotations: { summary: checkout at 9 }
      - eval_time: 5m
        alertname: Slow
        exp_alerts:
          - exp_labels: { svc: checkout, severity: warning }
            exp_annotations: { summary: checkout at 9 }
      - eval_time: 6m
        alertname: Slow
        exp_alerts: []
    promql_expr_test:
      - expr: lat
        eval_time: 1m
        exp_samples:
          - labels: 'lat{svc="checkout"}'
            value: 9
`;
		const res = await run({ '/t/test.yml': test, '/t/rules.yml': RULES });
		expect(res.text).toBe('Unit Testing:  /t/test.yml\n  SUCCESS\n');
		expect(res.code).toBe(0);
	});

	it('prints failures as promtool does and exits 1', async () => {
		const test = `rule_files: [rules.yml]
tests:
  - interval: 1m
    name: grp1
    input_series:
      - series: 'm{x="a"}'
        values: '1e6 1234567'
    alert_rule_test:
      - eval_time: 1m
        alertname: A
        exp_alerts: []
    promql_expr_test:
      - expr: m
        eval_time: 0m
        exp_samples: []
`;
		const res = await run({ '/t/test.yml': test, '/t/rules.yml': RULES });
		expect(res.code).toBe(1);
		// The text promtool 2.42 prints for the same files.
		expect(res.text).toBe(
			[
				'Unit Testing:  /t/test.yml',
				'  FAILED:',
				'    name: grp1,',
				'    alertname: A, time: 1m, ',
				'        exp:[], ',
				'        got:[',
				'            0:',
				'              Labels:{alertname="A", x="a"}',
				'              Annotations:{l="a", v="1.234567e+06"}',
				'            ]',
				'',
				'    expr: "m", time: 0s,',
				'        exp: nil',
				'        got: {__name__="m", x="a"} 1E+06',
				'',
				''
			].join('\n')
		);
	});

	it('finds rule files by glob, relative to the test file', async () => {
		const test = `rule_files: ['rules/*.yml']
tests:
  - interval: 1m
    input_series: [{ series: 'm', values: '1' }]
    alert_rule_test: [{ eval_time: 0m, alertname: A, exp_alerts: [{ exp_annotations: { v: '1', l: '' } }] }]
`;
		const res = await run({ '/t/test.yml': test, '/t/rules/a.yml': RULES });
		expect(res.text).toContain('SUCCESS');
	});

	it('prints relative paths as given, as promtool does, and reads them (and rule files relative to the test file) from cwd', async () => {
		const test = `rule_files: ['../rules/*.yml']
tests:
  - interval: 1m
    input_series: [{ series: 'm', values: '1' }]
    alert_rule_test: [{ eval_time: 0m, alertname: A, exp_alerts: [{ exp_annotations: { v: '1', l: '' } }] }]
`;
		const files = fsOf({ '/work/tests/test.yml': test, '/work/rules/a.yml': RULES });
		const lines: string[] = [];
		expect(await runRuleTests(['tests/test.yml'], { out: (l) => lines.push(l), cwd: '/work', ...files })).toBe(0);
		expect(lines.slice(0, 2)).toEqual(['Unit Testing:  tests/test.yml', '  SUCCESS']);
		lines.length = 0;
		expect(await runRuleTests(['tests/none.yml'], { out: (l) => lines.push(l), cwd: '/work', ...files })).toBe(1);
		expect(lines).toContain('open tests/none.yml: no such file or directory');
		lines.length = 0;
		expect(await checkRuleFiles(['rules/a.yml'], { out: (l) => lines.push(l), cwd: '/work', readFile: files.readFile })).toBe(0);
		expect(lines.slice(0, 2)).toEqual(['Checking rules/a.yml', '  SUCCESS: 2 rules found']);
	});

	it('fails with a clear message for unreadable or invalid files', async () => {
		expect((await run({}, ['/t/missing.yml'])).text).toContain('open /t/missing.yml: no such file or directory');
		expect((await run({ '/t/test.yml': 'tests: [\n' })).text).toMatch(/\/t\/test\.yml: YAML: /);
		const unknown = await run({ '/t/test.yml': 'rule_file: [x.yml]\ntests: []\n' });
		expect(unknown.code).toBe(1);
		expect(unknown.text).toContain('rule_file: unknown key');
		const bad = await run({ '/t/test.yml': 'rule_files: [r.yml]\ntests: []\n', '/t/r.yml': 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: m >\n' });
		expect(bad.code).toBe(1);
		expect(bad.text).toContain('/t/r.yml:5: group "g" rule 1 (A): expr: unexpected end of input at 1:4');
		const series = await run({ '/t/test.yml': "tests:\n  - input_series: [{ series: 'm', values: '1 x' }]\n" });
		expect(series.text).toContain("m 1 x: ");
	});

	it('stops a test group at an evaluation error, naming the rule and time', async () => {
		const rules = 'groups:\n  - name: g\n    rules:\n      - alert: E\n        expr: y / on() x\n';
		const test = `rule_files: [r.yml]
tests:
  - interval: 1m
    input_series: [{ series: 'x{a="1"}', values: '1' }, { series: 'x{a="2"}', values: '1' }, { series: 'y', values: '1' }]
    alert_rule_test: [{ eval_time: 1m, alertname: E, exp_alerts: [] }]
`;
		const res = await run({ '/t/test.yml': test, '/t/r.yml': rules });
		expect(res.code).toBe(1);
		expect(res.text).toMatch(/ {4}rule: E, time: 0s, err: /);
	});
});

describe('rule checks (promtool check rules)', () => {
	it('prints SUCCESS with the rule count, or every problem', async () => {
		const lines: string[] = [];
		const files = fsOf({ '/r/good.yml': RULES, '/r/bad.yml': 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n        for: 5x\n' });
		const code = await checkRuleFiles(['/r/good.yml', '/r/bad.yml', '/r/none.yml'], { out: (l) => lines.push(l), readFile: files.readFile });
		expect(code).toBe(1);
		expect(lines).toEqual([
			'Checking /r/good.yml',
			'  SUCCESS: 2 rules found',
			'',
			'Checking /r/bad.yml',
			'  FAILED:',
			'/r/bad.yml:5: group "g" rule 1 (A): expr: unclosed left parenthesis at 1:5',
			'/r/bad.yml:6: group "g" rule 1 (A): for: expected a duration like "5m", got "5x"',
			'',
			'Checking /r/none.yml',
			'  FAILED:',
			'/r/none.yml: file not found',
			''
		]);
	});
});

describe('rule checks: the duplicate-rules lint (promtool check rules --lint)', () => {
	// A name with the same labels twice (written in another order, in another group), and three
	// times: one finding, as promtool 2.42 reports it; other label sets of the name are not duplicates.
	const FILE = `groups:
  - name: a
    rules:
      - record: job:x:sum
        expr: sum by (job) (x)
        labels: {team: b, env: prod}
      - alert: B
        expr: x > 1
        labels: {severity: page}
  - name: b
    rules:
      - record: job:x:sum
        expr: sum by (job) (x) * 2
        labels: {env: prod, team: b}
      - record: job:x:sum
        expr: sum by (job) (x) * 3
        labels: {env: prod, team: b}
      - record: job:x:sum
        expr: sum by (job) (x)
        labels: {env: dev, team: b}
      - alert: B
        expr: x > 2
        labels: {severity: ticket}
`;
	// promtool check rules dup.yml (2.42): stderr and stdout together, exit code 0.
	const PROMTOOL = ['Checking /r/dup.yml', '  FAILED:', 'lint error 1 duplicate rule(s) found.', 'Metric: job:x:sum', 'Label(s):', '\tenv: prod', '\tteam: b', 'Might cause inconsistency while recording expressions', ''];

	it('reports each duplicated name and label set once; exit 0, 3 with lintFatal; none with lint none', async () => {
		const files = fsOf({ '/r/dup.yml': FILE });
		const lines: string[] = [];
		expect(await checkRuleFiles(['/r/dup.yml'], { out: (l) => lines.push(l), readFile: files.readFile })).toBe(0);
		expect(lines).toEqual(PROMTOOL);
		expect(await checkRuleFiles(['/r/dup.yml'], { out: () => {}, readFile: files.readFile, lintFatal: true })).toBe(3);
		const quiet: string[] = [];
		expect(await checkRuleFiles(['/r/dup.yml'], { out: (l) => quiet.push(l), readFile: files.readFile, lint: 'none', lintFatal: true })).toBe(0);
		expect(quiet).toEqual(['Checking /r/dup.yml', '  SUCCESS: 6 rules found', '']);
	});
});

describe('durations as Go and Prometheus print them', () => {
	it.each([
		[0, '0s', '0s'],
		[90_000, '1m30s', '1m30s'],
		[60_000, '1m0s', '1m'],
		[3_600_000, '1h0m0s', '1h'],
		[86_400_000, '24h0m0s', '1d'],
		[1500, '1.5s', '1s500ms']
	])('%d ms', (ms, go, prom) => {
		expect(goDuration(ms)).toBe(go);
		expect(promDuration(ms)).toBe(prom);
	});
});
