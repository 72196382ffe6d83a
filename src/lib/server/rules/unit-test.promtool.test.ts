/**
 * `vigil rules test` against `promtool test rules` (Prometheus 2.42) on fixed test files: the same
 * verdict and the same report, line for line. Each file is a case where the two once differed.
 * Without promtool, each file's verdict (promtool's, recorded in the case) is still checked.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runRuleTests } from './unit-test';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const run = promisify(execFile);

interface Case {
	name: string;
	rules?: string;
	test: string;
	/**
	 * promtool's report of the failures, each line trimmed, blank lines left out (none: it passes);
	 * checked without promtool too.
	 */
	fails?: string[];
}

const CASES: Case[] = [
	{
		name: 'exp_samples with labels {} (an aggregated result)',
		test: `tests:
  - interval: 1m
    input_series:
      - series: 'x{a="1"}'
        values: '1 2 3'
      - series: 'x{a="2"}'
        values: '4 5 6'
    promql_expr_test:
      - expr: sum(x)
        eval_time: 2m
        exp_samples:
          - labels: '{}'
            value: 9
`
	},
	{
		name: 'unquoted values 0x10: 0 eleven times, not the number 16',
		test: `tests:
  - interval: 1m
    input_series:
      - series: y
        values: 0x10
    promql_expr_test:
      - expr: count_over_time(y[10m])
        eval_time: 10m
        exp_samples:
          - labels: '{}'
            value: 11
      - expr: y
        eval_time: 10m
        exp_samples:
          - labels: y
            value: 0
`
	},
	{
		name: 'an expected value of .inf',
		test: `tests:
  - interval: 1m
    input_series:
      - series: y
        values: '1 1'
    promql_expr_test:
      - expr: y / 0
        eval_time: 1m
        exp_samples:
          - labels: '{}'
            value: .inf
      - expr: -y / 0
        eval_time: 1m
        exp_samples:
          - labels: '{}'
            value: -.inf
`
	},
	{
		name: 'a negative offset does not see samples after the evaluation',
		fails: [
			'alertname: Future, time: 2m,',
			'exp:[],',
			'got:[',
			'0:',
			'Labels:{alertname="Future"}',
			'Annotations:{}',
			']',
			'expr: "z offset -1m", time: 1m,',
			'exp: {__name__="z"} 0E+00',
			'got: {__name__="z"} 1E+01'
		],
		rules: `groups:
  - name: g
    rules:
      - alert: Future
        expr: z offset -1m > 5
`,
		test: `evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: z
        values: '0 0 10 10 10'
    alert_rule_test:
      - eval_time: 1m
        alertname: Future
        exp_alerts: []
      - eval_time: 2m
        alertname: Future
        exp_alerts: []
    promql_expr_test:
      - expr: z offset -1m
        eval_time: 1m
        exp_samples:
          - labels: z
            value: 0
`
	},
	{
		name: 'an eval_time between evaluations sees the samples up to the last evaluation',
		test: `evaluation_interval: 1m
tests:
  - interval: 30s
    input_series:
      - series: w
        values: '1 2 3 4 5'
    promql_expr_test:
      - expr: w
        eval_time: 90s
        exp_samples:
          - labels: w
            value: 3
`
	},
	{
		name: 'input labels starting with __ are loaded as given',
		test: `tests:
  - interval: 1m
    input_series:
      - series: 'x{__foo="bar", a="1"}'
        values: '1 2 3'
    promql_expr_test:
      - expr: x
        eval_time: 2m
        exp_samples:
          - labels: 'x{__foo="bar", a="1"}'
            value: 3
      - expr: sum by (__foo) (x)
        eval_time: 2m
        exp_samples:
          - labels: '{__foo="bar"}'
            value: 3
`
	},
	{
		name: "promtool's sample limit (10,000 samples held at once)",
		fails: [
			'expr: "count_over_time(x[5h])", time: 5h, err: query processing would load too many samples into memory in query execution',
			'expr: "max_over_time(x[3h:1s])", time: 5h, err: query processing would load too many samples into memory in query execution'
		],
		test: `tests:
  - interval: 1s
    input_series:
      - series: x
        values: '0+1x20000'
    promql_expr_test:
      - expr: count_over_time(x[5h])
        eval_time: 5h
        exp_samples:
          - labels: '{}'
            value: 18001
      - expr: sum(count_over_time(x[2h]) + count_over_time(x[2h] offset 1h))
        eval_time: 5h
        exp_samples:
          - labels: '{}'
            value: 14402
      - expr: max_over_time(x[3h:1s])
        eval_time: 5h
        exp_samples:
          - labels: '{}'
            value: 18000
`
	},
	{
		name: 'errors of expressions as promtool prints them',
		fails: [
			'expr: "sum(x", time: 0s, err: 1:6: parse error: unclosed left parenthesis',
			'expr: "label_replace(x, \\"a-b\\", \\"\\", \\"\\", \\"\\")", time: 0s, err: invalid destination label name in label_replace(): a-b'
		],
		test: `tests:
  - interval: 1m
    input_series:
      - series: x
        values: '1'
    promql_expr_test:
      - expr: sum(x
        eval_time: 0m
      - expr: label_replace(x, "a-b", "", "", "")
        eval_time: 0m
`
	},
	{
		name: 'recording rules: series named by record:, with their labels, read by alerts after them in the group',
		rules: `groups:
  - name: rec
    rules:
      - record: job:req:rate1m
        expr: sum by (job) (rate(req_total[1m]))
        labels:
          source: rule
      - alert: HighRate
        expr: job:req:rate1m > 1
        for: 1m
        labels:
          severity: page
      - record: job:req:rate1m:doubled
        expr: job:req:rate1m * 2
`,
		test: `evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'req_total{job="api", instance="a"}'
        values: '0+30x10 300+120x10'
      - series: 'req_total{job="web", instance="b"}'
        values: '0+60x20'
    alert_rule_test:
      - eval_time: 5m
        alertname: HighRate
        exp_alerts: []
      - eval_time: 14m
        alertname: HighRate
        exp_alerts:
          - exp_labels: { job: api, source: rule, severity: page }
    promql_expr_test:
      - expr: job:req:rate1m
        eval_time: 5m
        exp_samples:
          - labels: 'job:req:rate1m{job="api", source="rule"}'
            value: 0.5
          - labels: 'job:req:rate1m{job="web", source="rule"}'
            value: 1
      - expr: job:req:rate1m:doubled
        eval_time: 14m
        exp_samples:
          - labels: 'job:req:rate1m:doubled{job="api", source="rule"}'
            value: 4
          - labels: 'job:req:rate1m:doubled{job="web", source="rule"}'
            value: 2
      - expr: count_over_time(job:req:rate1m{job="api"}[20m])
        eval_time: 20m
        exp_samples:
          - labels: '{job="api", source="rule"}'
            value: 20
      - expr: ALERTS
        eval_time: 14m
        exp_samples:
          - labels: 'ALERTS{alertname="HighRate", alertstate="firing", job="api", severity="page", source="rule"}'
            value: 1
      - expr: ALERTS_FOR_STATE
        eval_time: 14m
        exp_samples:
          - labels: 'ALERTS_FOR_STATE{alertname="HighRate", job="api", severity="page", source="rule"}'
            value: 720
`
	},
	{
		name: 'a recorded series that stops gets a stale marker; an alert before the recording rule sees the previous evaluation',
		rules: `groups:
  - name: g
    rules:
      - alert: SeesRecorded
        expr: up:sum > 1
      - record: up:sum
        expr: sum(up) > 0
`,
		test: `evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'up{i="1"}'
        values: '1 1 1 0 0 0'
      - series: 'up{i="2"}'
        values: '1 1 1 0 0 0'
    alert_rule_test:
      - eval_time: 0m
        alertname: SeesRecorded
        exp_alerts: []
      - eval_time: 1m
        alertname: SeesRecorded
        exp_alerts:
          - exp_labels: {}
      - eval_time: 4m
        alertname: SeesRecorded
        exp_alerts: []
    promql_expr_test:
      - expr: up:sum
        eval_time: 5m
        exp_samples: []
      - expr: count_over_time(up:sum[10m])
        eval_time: 5m
        exp_samples:
          - labels: '{}'
            value: 3
`
	},
	{
		name: 'a recording rule error and duplicate series after its labels',
		fails: ['rule: flat, time: 0s, err: vector contains metrics with the same labelset after applying rule labels'],
		rules: `groups:
  - name: g
    rules:
      - record: flat
        expr: up
        labels:
          i: same
`,
		test: `tests:
  - interval: 1m
    input_series:
      - series: 'up{i="1"}'
        values: '1'
      - series: 'up{i="2"}'
        values: '1'
    promql_expr_test:
      - expr: flat
        eval_time: 0m
`
	}
];

CASES.push({
	name: 'templates with if, with (and .), else and end, as kube-prometheus writes them',
	rules: `groups:
  - name: g
    rules:
      - alert: KubePersistentVolumeFillingUp
        expr: used_ratio > 0.5
        labels:
          severity: '{{ if gt_value }}x{{ end }}'
        annotations:
          description: The PersistentVolume claimed by {{ $labels.pvc }} {{ with $labels.cluster -}} on Cluster {{ . }} {{- end }} is only {{ $value | humanizePercentage }} free.
          ok: '{{ if $value }}nonzero{{ else }}zero{{ end }}|{{ with $labels.missing }}has {{ . }}{{ else }}no missing{{ end }}|{{ if $labels }}labels{{ end }}'
          nested: '{{ with $labels.pvc }}{{ with $labels.cluster }}{{ . | toUpper }}{{ end }}{{ end }}'
`.replace("'{{ if gt_value }}x{{ end }}'", 'warning'),
	test: `tests:
  - interval: 1m
    input_series:
      - series: 'used_ratio{pvc="data", cluster="eu1"}'
        values: '0.6 0.7'
      - series: 'used_ratio{pvc="logs"}'
        values: '0.9 0.9'
    alert_rule_test:
      - eval_time: 1m
        alertname: KubePersistentVolumeFillingUp
        exp_alerts:
          - exp_labels: { pvc: data, cluster: eu1, severity: warning }
            exp_annotations:
              description: The PersistentVolume claimed by data on Cluster eu1 is only 70% free.
              ok: nonzero|no missing|labels
              nested: EU1
          - exp_labels: { pvc: logs, severity: warning }
            exp_annotations:
              description: The PersistentVolume claimed by logs  is only 90% free.
              ok: nonzero|no missing|labels
              nested: ''
`
});

/** The report's lines, trimmed, without blank ones. */
function trimmed(text: string): string[] {
	return text
		.split('\n')
		.map((l) => l.trim())
		.filter((l) => l !== '');
}

/** The report without blank lines. */
function report(text: string): string {
	return text
		.split('\n')
		.filter((l) => l.trim() !== '')
		.join('\n');
}

/** Writes the case's rule and test files into `dir`; the test file's name relative to it. */
function writeCase(dir: string, c: Case, i: number): string {
	writeFileSync(join(dir, `rules-${i}.yml`), c.rules ?? 'groups: []\n');
	const file = `test-${i}.yml`;
	writeFileSync(join(dir, file), `rule_files: [rules-${i}.yml]\n${c.test}`);
	return file;
}

describe("vigil rules test gives promtool's verdict on these files (promtool not needed)", () => {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-ruletest-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
		const file = writeCase(dir, c, i);
		const lines: string[] = [];
		const code = await runRuleTests([file], { out: (l) => lines.push(l), cwd: dir });
		expect(code, lines.join('\n')).toBe(c.fails ? 1 : 0);
		expect(lines.slice(0, 2)).toEqual([`Unit Testing:  ${file}`, c.fails ? '  FAILED:' : '  SUCCESS']);
		if (c.fails) expect(trimmed(lines.slice(2).join('\n'))).toEqual(c.fails);
	});
});

(PROMTOOL ? describe : describe.skip)('vigil rules test against promtool test rules 2.42', () => {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-ruletest-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it.each(CASES.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
		// Both are given the test file's path relative to their directory, and print it as given.
		const file = writeCase(dir, c, i);
		let theirs: string;
		let theirCode = 0;
		try {
			const r = await run(PROMTOOL!, ['test', 'rules', file], { cwd: dir });
			theirs = r.stdout + r.stderr;
		} catch (err) {
			const e = err as { stdout?: string; stderr?: string; code?: number };
			theirs = `${e.stdout ?? ''}${e.stderr ?? ''}`;
			theirCode = e.code ?? 1;
		}
		const lines: string[] = [];
		const code = await runRuleTests([file], { out: (l) => lines.push(l), cwd: dir });
		expect(report(lines.join('\n'))).toBe(report(theirs));
		expect(code).toBe(theirCode);
		expect(theirCode).toBe(c.fails ? 1 : 0);
		if (c.fails) expect(trimmed(theirs.split('  FAILED:')[1] ?? '')).toEqual(c.fails);
	});
});
