/**
 * A rule file as the Prometheus ecosystem's mixins write it (recording and alerting rules together,
 * severity as a label, Go templates) goes through the built CLI unchanged: `vigil rules import`
 * stores every rule into a private redis-server, `vigil rules export` gives back a file that
 * `vigil rules check` (and promtool, when installed) accepts with the same rules, and a promtool
 * test file over the exported rules passes under `vigil rules test` as under `promtool test rules`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { ROOT, } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const RULES = readFileSync(join(ROOT, 'tests/fixtures/rules/mixins.rules.yml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'vigil-mixins-import-'));
const configFile = join(dir, 'vigil.config.yaml');
let redis: TestRedis;

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));

type RuleEntry = { record?: string; alert?: string; expr: string; labels?: Record<string, string> };
const rulesOf = (text: string) =>
	(parse(text) as { groups: Array<{ name: string; rules: RuleEntry[] }> }).groups.map((g) => ({
		name: g.name,
		rules: g.rules.map((r) => ({ name: r.record ?? r.alert, kind: r.record ? 'record' : 'alert', expr: r.expr.trim(), severity: r.labels?.severity }))
	}));

/** Input where Redis is down and its memory nearly full, and two pods crash-loop (one in a cluster eu1, one without a cluster label). */
const TESTS = `rule_files: [exported.rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'redis_up{instance="cache-1"}'
        values: '1 1 0x10'
      - series: 'redis_memory_used_bytes{instance="cache-1"}'
        values: '95x12'
      - series: 'redis_total_system_memory_bytes{instance="cache-1"}'
        values: '100x12'
      - series: 'kube_pod_container_status_waiting_reason{job="kube-state-metrics", cluster="eu1", namespace="shop", pod="worker-1", container="job", reason="CrashLoopBackOff"}'
        values: '1x20'
      - series: 'kube_pod_container_status_waiting_reason{job="kube-state-metrics", namespace="ops", pod="cron-2", container="sync", reason="CrashLoopBackOff"}'
        values: '_x5 1x15'
      - series: 'kube_pod_owner{job="kube-state-metrics", cluster="eu1", namespace="shop", pod="web-7d9-abc", owner_kind="ReplicaSet", owner_name="web-7d9"}'
        values: '1x5'
      - series: 'kube_replicaset_owner{job="kube-state-metrics", cluster="eu1", namespace="shop", replicaset="web-7d9", owner_kind="Deployment", owner_name="web"}'
        values: '1x5'
    alert_rule_test:
      - eval_time: 5m
        alertname: RedisDown
        exp_alerts:
          - exp_labels: { severity: critical, instance: cache-1 }
            exp_annotations: { summary: 'Redis down (instance cache-1)' }
      - eval_time: 1m
        alertname: RedisOutOfSystemMemory
        exp_alerts: []
      - eval_time: 5m
        alertname: RedisOutOfSystemMemory
        exp_alerts:
          - exp_labels: { severity: warning, instance: cache-1 }
            exp_annotations: { summary: 'Redis out of system memory (instance cache-1), 95%' }
      - eval_time: 15m
        alertname: KubePodCrashLooping
        exp_alerts:
          - exp_labels: { severity: warning, job: kube-state-metrics, cluster: eu1, namespace: shop, pod: worker-1, container: job, reason: CrashLoopBackOff }
            exp_annotations: { description: 'Pod shop/worker-1 (job) is waiting (CrashLoopBackOff) on cluster eu1' }
      - eval_time: 21m
        alertname: KubePodCrashLooping
        exp_alerts:
          - exp_labels: { severity: warning, job: kube-state-metrics, cluster: eu1, namespace: shop, pod: worker-1, container: job, reason: CrashLoopBackOff }
            exp_annotations: { description: 'Pod shop/worker-1 (job) is waiting (CrashLoopBackOff) on cluster eu1' }
          - exp_labels: { severity: warning, job: kube-state-metrics, namespace: ops, pod: cron-2, container: sync, reason: CrashLoopBackOff }
            exp_annotations: { description: 'Pod ops/cron-2 (sync) is waiting (CrashLoopBackOff) ' }
    promql_expr_test:
      - expr: redis:memory_used:ratio
        eval_time: 3m
        exp_samples:
          - labels: 'redis:memory_used:ratio{instance="cache-1"}'
            value: 0.95
      - expr: namespace_workload_pod:kube_pod_owner:relabel
        eval_time: 2m
        exp_samples:
          - labels: 'namespace_workload_pod:kube_pod_owner:relabel{cluster="eu1", namespace="shop", pod="web-7d9-abc", workload="web", workload_type="deployment"}'
            value: 1
`;

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, `redis:\n  prefix: "mixins${process.pid}:"\n`);
	writeFileSync(join(dir, 'mixins.rules.yml'), RULES);
	writeFileSync(join(dir, 'mixins.test.yml'), TESTS);
}, 60_000);
afterAll(async () => {
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('a mixin rule file through vigil rules import, export and test', () => {
	it('imports every recording and alerting rule unchanged, and exports them back', { timeout: 120_000 }, () => {
		const imported = cli(['rules', 'import', 'mixins.rules.yml', '--author', 'ops', '--message', 'mixins']);
		expect(imported.code, imported.err).toBe(0);
		const want = rulesOf(RULES);
		const ids = want.flatMap((g) => g.rules.map((r) => `${g.name}/${r.name}`));
		expect(ids.length).toBe(28);
		for (const id of ids) expect(imported.out).toContain(`  + ${id}\n`);

		const listed = cli(['rules', 'list']);
		expect(listed.code, listed.err).toBe(0);
		for (const g of want) {
			for (const r of g.rules) {
				const line = listed.out.split('\n').find((l) => l.trimStart().startsWith(`${g.name}/${r.name} `));
				expect(line, `${g.name}/${r.name} in the list`).toBeDefined();
				expect(line!.includes('(recording)')).toBe(r.kind === 'record');
			}
		}

		const exported = cli(['rules', 'export', '--output', 'exported.rules.yml']);
		expect(exported.code, exported.err).toBe(0);
		const text = readFileSync(join(dir, 'exported.rules.yml'), 'utf8');
		expect(rulesOf(text)).toEqual(want);
		const checked = cli(['rules', 'check', 'exported.rules.yml']);
		expect(checked.code, checked.out + checked.err).toBe(0);
		if (PROMTOOL) expect(execFileSync(PROMTOOL, ['check', 'rules', join(dir, 'exported.rules.yml')], { encoding: 'utf8' })).toContain('SUCCESS: 28 rules found');
	});

	it('passes its promtool test under vigil rules test, and under promtool where installed', { timeout: 120_000 }, () => {
		const tested = cli(['rules', 'test', 'mixins.test.yml']);
		expect(tested.code, tested.out + tested.err).toBe(0);
		expect(tested.out).toContain('SUCCESS');
		// The same file with a wrong expectation fails under both, so the pass above means something.
		writeFileSync(join(dir, 'wrong.test.yml'), TESTS.replace('value: 0.95', 'value: 0.5'));
		const wrong = cli(['rules', 'test', 'wrong.test.yml']);
		expect(wrong.code).toBe(1);
		expect(wrong.out + wrong.err).toContain('redis:memory_used:ratio');
		if (PROMTOOL) {
			expect(execFileSync(PROMTOOL, ['test', 'rules', join(dir, 'mixins.test.yml')], { encoding: 'utf8' })).toContain('SUCCESS');
			expect(spawnSync(PROMTOOL, ['test', 'rules', join(dir, 'wrong.test.yml')]).status).toBe(1);
		}
	});
});
