import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
	duplicateKeys,
	formFromSpec,
	instanceText,
	newRow,
	offsetAt,
	placeProblems,
	readValidateResponse,
	ruleYaml,
	specFromForm,
	splitPath,
	textProblems,
	validateBody,
	type RuleSpec
} from './rule-form';

const full: RuleSpec = {
	alert: 'CheckoutSlow',
	expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route="/checkout"}[5m]))) > 0.8',
	for: '5m',
	keep_firing_for: '10m',
	clear_threshold: 0.6,
	nodata: 'keep_last',
	severity: 'critical',
	runbook_url: 'https://wiki.example/runbooks/checkout',
	labels: { team: 'payments' },
	annotations: { summary: 'Checkout p95 is {{ $value | humanizeDuration }}', description: 'line one\nline two: "quoted"' }
};

describe('rule YAML from the form', () => {
	it('round-trips a full rule, keys in rule-file order', () => {
		const y = ruleYaml(formFromSpec(full));
		expect(parse(y)).toEqual(full);
		expect(Object.keys(parse(y) as object)).toEqual(['alert', 'expr', 'for', 'keep_firing_for', 'clear_threshold', 'nodata', 'severity', 'runbook_url', 'labels', 'annotations']);
	});

	it('leaves out empty optional fields and empty new rows', () => {
		const f = formFromSpec({ alert: 'A', expr: 'up == 0' });
		f.labels.push(newRow());
		f.annotations.push(newRow());
		f.for = '  ';
		expect(specFromForm(f)).toEqual({ alert: 'A', expr: 'up == 0' });
		expect(ruleYaml(f)).toBe('alert: A\nexpr: up == 0\n');
	});

	it('starts an empty rule from nothing', () => {
		expect(specFromForm(formFromSpec(null))).toEqual({ alert: '', expr: '' });
	});

	it('keeps the clear condition of the chosen mode only', () => {
		const f = formFromSpec({ alert: 'A', expr: 'x > 1', clear_expr: 'x < 0.5' });
		expect(f.clearMode).toBe('expr');
		f.clearThreshold = '0.5';
		expect(specFromForm(f)).toMatchObject({ clear_expr: 'x < 0.5' });
		expect(specFromForm(f)).not.toHaveProperty('clear_threshold');
		f.clearMode = 'threshold';
		expect(specFromForm(f)).toMatchObject({ clear_threshold: 0.5 });
		expect(specFromForm(f)).not.toHaveProperty('clear_expr');
		f.clearMode = 'none';
		expect(specFromForm(f)).toEqual({ alert: 'A', expr: 'x > 1' });
	});

	it('sends a threshold that is no number as text, for the validator to name', () => {
		const f = formFromSpec({ alert: 'A', expr: 'x > 1' });
		f.clearMode = 'threshold';
		f.clearThreshold = '0,5';
		expect(parse(ruleYaml(f))).toMatchObject({ clear_threshold: '0,5' });
		f.clearThreshold = '-1e3';
		expect(parse(ruleYaml(f))).toMatchObject({ clear_threshold: -1000 });
	});

	it('keeps multi-line expressions and template text exactly', () => {
		const expr = 'sum by (job) (\n  rate(errors_total[5m])\n)\n  > 3';
		const f = formFromSpec({ alert: 'A', expr, annotations: { summary: '{{ $labels.job }}: {{ printf "%.2f" $value }}' } });
		const back = parse(ruleYaml(f)) as RuleSpec;
		expect(back.expr).toBe(expr);
		expect(back.annotations?.summary).toBe('{{ $labels.job }}: {{ printf "%.2f" $value }}');
	});

	it('reads a label value given as a number as text', () => {
		const f = formFromSpec({ alert: 'A', expr: 'x', labels: { priority: 1 as unknown as string } });
		expect(f.labels[0]).toMatchObject({ key: 'priority', value: '1' });
	});

	it('names keys given twice', () => {
		const rows = [newRow('team', 'a'), newRow('env', 'b'), newRow('team', 'c')];
		const d = duplicateKeys(rows);
		expect([...d.keys()]).toEqual([rows[2]!.id]);
	});
});

describe('problems to fields', () => {
	it('splits paths', () => {
		expect(splitPath('expr')).toEqual({ field: 'expr' });
		expect(splitPath('labels.team')).toEqual({ field: 'labels', key: 'team' });
		expect(splitPath('labels["a-b"]')).toEqual({ field: 'labels', key: 'a-b' });
		expect(splitPath('labels[""]')).toEqual({ field: 'labels', key: '' });
		expect(splitPath('labels.a.b')).toEqual({ field: 'labels', key: 'a.b' });
		expect(splitPath('annotations.')).toEqual({ field: 'annotations', key: '' });
		expect(splitPath('')).toEqual({ field: '' });
	});

	it('places each problem at its field, row, or above the form', () => {
		const rows = { labels: [newRow('team', 'x')], annotations: [newRow('summary', 'y')] };
		const placed = placeProblems(
			[
				{ path: 'expr', message: 'bad', from: 3, to: 5 },
				{ path: 'labels.team', message: 'template: unclosed action' },
				{ path: 'annotations.summary', message: 'template: bad' },
				{ path: 'labels.gone', message: 'old row' },
				{ path: 'for', message: 'expected a duration' },
				{ path: 'record', message: 'unknown key' },
				{ path: '', message: 'yaml broken', line: 2 },
				{ path: 'for.x', message: 'odd' }
			],
			rows
		);
		expect(placed.fields.expr?.map((p) => p.message)).toEqual(['bad']);
		expect(placed.labels.get('team')?.map((p) => p.message)).toEqual(['template: unclosed action']);
		expect(placed.annotations.get('summary')?.map((p) => p.message)).toEqual(['template: bad']);
		expect(placed.fields.labels?.map((p) => p.message)).toEqual(['gone: old row']);
		expect(placed.fields.for?.map((p) => p.message)).toEqual(['expected a duration']);
		expect(placed.general.map((p) => p.message)).toEqual(['unknown key', 'yaml broken', 'odd']);
	});

	it('turns line and column into offsets', () => {
		expect(offsetAt('abc\ndef', 1, 1)).toBe(0);
		expect(offsetAt('abc\ndef', 2, 2)).toBe(5);
		expect(offsetAt('abc\ndef', 2, 99)).toBe(7);
		expect(offsetAt('abc', 5, 1)).toBe(3);
	});

	it('marks expression problems in the text', () => {
		const text = 'rate(foo[5m]) > bar';
		expect(textProblems([{ path: 'expr', message: 'm', from: 5, to: 8 }], text)).toEqual([{ from: 5, to: 8, message: 'm' }]);
		// Offsets past the end are clamped; an empty range at the end stays empty.
		expect(textProblems([{ path: 'expr', message: 'm', from: 40, to: 50 }], text)).toEqual([{ from: 19, to: 19, message: 'm' }]);
		// Line and column: the word there.
		expect(textProblems([{ path: 'expr', message: 'm', line: 1, column: 17 }], text)).toEqual([{ from: 16, to: 19, message: 'm' }]);
		// Neither: the whole text.
		expect(textProblems([{ path: 'expr', message: 'm' }], text)).toEqual([{ from: 0, to: 19, message: 'm' }]);
		// An empty range covers one character when there is one.
		expect(textProblems([{ path: 'expr', message: 'm', from: 4, to: 4 }], text)).toEqual([{ from: 4, to: 5, message: 'm' }]);
		expect(textProblems(undefined, text)).toEqual([]);
	});
});

describe('the validator call', () => {
	it('builds the body with the previewed instance', () => {
		expect(JSON.parse(validateBody('alert: A', 'shop', { labels: { job: 'api' }, value: 0.93 }))).toEqual({ yaml: 'alert: A', group: 'shop', labels: { job: 'api' }, value: 0.93 });
		expect(JSON.parse(validateBody('alert: A', undefined, { labels: {}, value: 'NaN' }))).toEqual({ yaml: 'alert: A', labels: {} });
		expect(JSON.parse(validateBody('alert: A', undefined, { labels: {}, value: '2.5' }))).toEqual({ yaml: 'alert: A', labels: {}, value: 2.5 });
		expect(JSON.parse(validateBody('x', '', undefined))).toEqual({ yaml: 'x' });
		expect(JSON.parse(validateBody('x', 'shop', undefined, 'shop/A'))).toEqual({ yaml: 'x', group: 'shop', rule: 'shop/A' });
	});

	it('reads answers and failures', async () => {
		const ok = await readValidateResponse(Response.json({ ok: true, problems: [], threshold: null, rendered: { labels: {}, annotations: { summary: 's' } } }));
		expect(ok).toEqual({ ok: true, problems: [], threshold: null, rendered: { labels: {}, annotations: { summary: 's' } } });
		const bad = await readValidateResponse(Response.json({ error: 'yaml: too long' }, { status: 400 }));
		expect(bad.ok).toBe(false);
		expect(bad.problems).toEqual([{ path: '', message: 'could not validate the rule: yaml: too long' }]);
		const missing = await readValidateResponse(new Response('nope', { status: 404 }));
		expect(missing.problems[0]?.message).toBe('could not validate the rule: the validator is not available');
	});

	it('names an instance by its labels and value', () => {
		expect(instanceText({ labels: { alertname: 'A', job: 'api', instance: 'h:1' }, value: 0.5 })).toBe('{job="api", instance="h:1"} = 0.5');
	});
});
