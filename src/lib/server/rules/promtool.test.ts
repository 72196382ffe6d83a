/**
 * Differential test of alerting against promtool 2.42 (Debian package `prometheus`): seeded rule
 * files and input series; Vigil's firing alerts at each eval time are written as the expected
 * alerts of a promtool test file, and promtool must agree (and so must Vigil's own runner).
 * One check is one (alert name, eval time).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseRuleFile } from './file';
import { firingAlerts, runRuleTests, type InputSeries } from './unit-test';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const run = promisify(execFile);

/** mulberry32: a small seeded generator. */
function rng(seed: number) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
		pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
		chance: (p: number) => next() < p
	};
}
type Rng = ReturnType<typeof rng>;

const STEPS = 40;

/** Values in the expanding notation: gaps, stale markers, runs written as axN / a+bxN. */
function gaugeValues(r: Rng): string {
	const items: string[] = [];
	let v = r.int(2, 8);
	let i = 0;
	while (i < STEPS) {
		const roll = r.next();
		if (roll < 0.07) {
			const n = r.int(1, 3);
			items.push(n === 1 ? '_' : `_x${n}`);
			i += n;
		} else if (roll < 0.1) {
			items.push('stale');
			i++;
		} else if (roll < 0.2) {
			const n = r.int(1, 4);
			const step = r.pick([-1, -0.5, 0.5, 1, 2]);
			items.push(`${v}${step < 0 ? '' : '+'}${step}x${n}`);
			v += step * n;
			i += n + 1;
		} else if (roll < 0.27) {
			const n = r.int(1, 4);
			items.push(`${v}x${n}`);
			i += n + 1;
		} else {
			v = Math.round((v + (r.next() - 0.5) * 4) * 10) / 10;
			items.push(String(v));
			i++;
		}
	}
	return items.join(' ');
}

function counterValues(r: Rng): string {
	const items: string[] = [];
	let v = r.int(0, 50);
	for (let i = 0; i < STEPS; i++) {
		const roll = r.next();
		if (roll < 0.05) items.push('_');
		else if (roll < 0.08) {
			v = r.int(0, 3); // a reset
			items.push(String(v));
		} else if (roll < 0.1) items.push('stale');
		else {
			v += r.int(0, 12);
			items.push(String(v));
		}
	}
	return items.join(' ');
}

function upValues(r: Rng): string {
	const items: string[] = [];
	let up = 1;
	for (let i = 0; i < STEPS; i++) {
		if (r.chance(0.15)) up = 1 - up;
		items.push(r.chance(0.05) ? '_' : String(up));
	}
	return items.join(' ');
}

const SVCS = ['checkout', 'payments', 'search'];

function inputSeries(r: Rng): InputSeries[] {
	const out: InputSeries[] = [];
	for (const svc of SVCS.slice(0, r.int(2, 3))) {
		for (const inst of ['i1', 'i2'].slice(0, r.int(1, 2))) {
			out.push({ series: `lat{svc="${svc}", instance="${inst}"}`, values: gaugeValues(r) });
			out.push({ series: `req_total{svc="${svc}", instance="${inst}"}`, values: counterValues(r) });
			out.push({ series: `up{svc="${svc}", instance="${inst}"}`, values: upValues(r) });
		}
	}
	return out;
}

function ruleSpec(r: Rng, name: string): Record<string, unknown> {
	const t = r.int(3, 7);
	const rate = r.pick([0.02, 0.05, 0.1]);
	const expr = r.pick([
		`lat > ${t}`,
		`lat < ${t}`,
		`max by (svc) (lat) >= ${t}`,
		`rate(req_total[3m]) > ${rate}`,
		`sum by (svc) (rate(req_total[2m])) > ${rate}`,
		'up == 0',
		`avg_over_time(lat[3m]) > ${t}`,
		`lat > ${t} and on(svc, instance) up == 1`,
		'absent(up{svc="nowhere"})',
		`increase(req_total[5m]) > ${r.int(5, 40)}`
	]);
	const spec: Record<string, unknown> = { alert: name, expr };
	if (r.chance(0.7)) spec.for = r.pick(['0s', '1m', '2m', '3m', '90s']);
	if (r.chance(0.4)) spec.keep_firing_for = r.pick(['1m', '2m', '3m']);
	const labels: Record<string, string> = { severity: r.pick(['warning', 'critical']) };
	if (r.chance(0.4)) labels.team = r.pick(['{{ $labels.svc }}', '{{ $labels.svc | toUpper }}', 'shop', '{{ $labels.nothere }}']);
	spec.labels = labels;
	const annotations: Record<string, string> = {};
	if (r.chance(0.8)) annotations.summary = '{{ $labels.instance }} is {{ $value }}';
	if (r.chance(0.5)) annotations.value = r.pick(['{{ $value | humanize }}', '{{ printf "%.2f" $value }}', '{{ humanizePercentage $value }}', '{{ $value | humanizeDuration }}']);
	if (r.chance(0.3)) annotations.desc = '{{ $labels.svc | title }} in {{ $externalLabels.env }}: {{ .Value }}';
	if (Object.keys(annotations).length) spec.annotations = annotations;
	return spec;
}

interface Scenario {
	rules: string;
	input: InputSeries[];
	evaluationInterval: string;
	evalTimes: number[];
	externalLabels?: Record<string, string>;
}

function scenario(seed: number): Scenario {
	const r = rng(seed);
	const groups = [];
	let n = 0;
	const names: string[] = [];
	for (let g = 0; g < r.int(2, 3); g++) {
		const rules: Array<Record<string, unknown>> = [];
		for (let k = 0; k < r.int(1, 3); k++) {
			// Now and then the same alert name in two groups: promtool compares their union.
			const reuse = names.length > 0 && r.chance(0.1);
			const name = reuse ? r.pick(names) : `Alert${seed}_${n++}`;
			if (rules.some((x) => x.alert === name)) continue;
			names.push(name);
			const spec = ruleSpec(r, name);
			// Two rules of one name must not give the same label set: Prometheus stores both in its
			// ALERTS series and fails the evaluation on the duplicate sample.
			if (reuse) (spec.labels as Record<string, string>).origin = `group${g}`;
			rules.push(spec);
		}
		groups.push({ name: `group${g}`, interval: r.pick(['30s', '1m']), rules });
	}
	const evalTimes = Array.from({ length: 36 }, (_, i) => i * 60_000);
	for (let k = 0; k < 3; k++) evalTimes.push(r.int(0, 70) * 30_000 + r.pick([0, 15_000]));
	return {
		rules: stringify({ groups }),
		input: inputSeries(r),
		evaluationInterval: r.pick(['1m', '30s', '1m']),
		evalTimes: [...new Set(evalTimes)].sort((a, b) => a - b),
		externalLabels: r.chance(0.5) ? { env: 'prod' } : undefined
	};
}

function ms(text: string): number {
	return text.endsWith('s') ? Number(text.slice(0, -1)) * 1000 : Number(text.slice(0, -1)) * 60_000;
}

function durationText(t: number): string {
	return t % 60_000 === 0 ? `${t / 60_000}m` : `${t / 1000}s`;
}

const SEEDS = [11, 23, 37, 41, 53, 67, 79, 83];

(PROMTOOL ? describe : describe.skip)(
	PROMTOOL ? 'alerting against promtool 2.42' : 'alerting against promtool (skipped: promtool is not installed; on Debian: apt-get install prometheus)',
	() => {
		const dir = mkdtempSync(join(tmpdir(), 'vigil-promtool-'));
		afterAll(() => rmSync(dir, { recursive: true, force: true }));

		it('promtool agrees with the alerts Vigil fires', async () => {
			let checks = 0;
			let firingChecks = 0;
			const failures: string[] = [];
			for (const seed of SEEDS) {
				const sc = scenario(seed);
				const rulesPath = join(dir, `rules-${seed}.yml`);
				writeFileSync(rulesPath, sc.rules);
				const parsed = parseRuleFile(sc.rules, rulesPath);
				expect(parsed.problems).toEqual([]);
				const names = [...new Set(parsed.groups.flatMap((g) => g.rules.map((x) => x.name)))];
				const res = await firingAlerts(
					parsed.groups,
					sc.input,
					{ intervalMs: 60_000, evaluationIntervalMs: ms(sc.evaluationInterval), externalLabels: sc.externalLabels ?? {} },
					sc.evalTimes
				);
				expect(res.errors).toEqual([]);
				const tests = [];
				for (const t of sc.evalTimes) {
					for (const name of names) {
						const got = res.at.get(t)!(name);
						checks++;
						if (got.length) firingChecks++;
						tests.push({
							eval_time: durationText(t),
							alertname: name,
							exp_alerts: got.map((a) => {
								const labels = { ...a.labels };
								delete labels.alertname;
								return { exp_labels: labels, exp_annotations: a.annotations };
							})
						});
					}
				}
				const testPath = join(dir, `test-${seed}.yml`);
				writeFileSync(
					testPath,
					stringify({
						rule_files: [`rules-${seed}.yml`],
						evaluation_interval: sc.evaluationInterval,
						tests: [{ interval: '1m', input_series: sc.input, ...(sc.externalLabels ? { external_labels: sc.externalLabels } : {}), alert_rule_test: tests }]
					})
				);
				let output: string;
				try {
					const r = await run(PROMTOOL!, ['test', 'rules', testPath], { maxBuffer: 64 * 1024 * 1024 });
					output = r.stdout + r.stderr;
				} catch (err) {
					const e = err as { stdout?: string; stderr?: string };
					output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
				}
				if (!output.includes('SUCCESS')) {
					const which = [...output.matchAll(/alertname: (\S+), time: (\S+),/g)].map((m) => `${m[1]} at ${m[2]}`);
					failures.push(`seed ${seed} (${testPath}): promtool disagrees on ${which.length ? which.join('; ') : 'the file'}\n${output.slice(0, 3000)}`);
				}
				// Vigil's own runner reads the same files and agrees.
				const lines: string[] = [];
				const code = await runRuleTests([testPath], { out: (l) => lines.push(l) });
				if (code !== 0) failures.push(`seed ${seed}: Vigil's runner fails its own expectations\n${lines.join('\n').slice(0, 3000)}`);
			}
			console.log(`promtool differential: ${checks} checks (alert name, eval time), ${firingChecks} with firing alerts, ${SEEDS.length} rule files`);
			expect(failures).toEqual([]);
			expect(checks).toBeGreaterThanOrEqual(200);
			expect(firingChecks).toBeGreaterThan(50);
		}, 120_000);
	}
);
