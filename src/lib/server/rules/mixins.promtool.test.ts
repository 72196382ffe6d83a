/**
 * Rule files as the Prometheus ecosystem's mixins write them (node exporter, Kubernetes, Redis,
 * PostgreSQL, RabbitMQ: recording and alerting rules together, rules reading recorded series), replayed by
 * Vigil and checked by promtool 2.42: every recorded series' values and every firing alert at a
 * series of times are written as a promtool test file, which promtool must pass, and so must
 * `vigil rules test`. The rules are modelled on kube-prometheus' node-exporter and Kubernetes rules
 * (pod owner joins with label_replace and topk by, group_left, `{{ with $labels.cluster -}}`) and
 * the usual exporter alerts; their text is what those files hold (expressions, `for`, templates).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { evalInstant, parseExpr } from '../promql';
import { formatLabels } from '../promql/labels';
import { parseRuleFile } from './file';
import { loadInputSeries, replayRules, runRuleTests, type FiringAlert, type InputSeries } from './unit-test';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const run = promisify(execFile);

/** The rule file, shared with the integration test that imports it through `vigil rules import`. */
const RULES = readFileSync(new URL('../../../../tests/fixtures/rules/mixins.rules.yml', import.meta.url), 'utf8');

const STEPS = 90;

/** Values at 1-minute steps in the expanding notation, from a function of the step. */
function values(f: (i: number) => number | '_'): string {
	return Array.from({ length: STEPS }, (_, i) => {
		const v = f(i);
		return v === '_' ? '_' : String(Math.round(v * 1000) / 1000);
	}).join(' ');
}

function inputSeries(): InputSeries[] {
	const out: InputSeries[] = [];
	const node = (name: string, labels: string, f: (i: number) => number | '_') => out.push({ series: `${name}{job="node-exporter", ${labels}}`, values: values(f) });
	for (const inst of ['n1:9100', 'n2:9100']) {
		const busy = inst === 'n1:9100';
		for (const cpu of ['0', '1']) {
			// Idle time grows by 60 s a minute when idle; n1 gets busy from step 30.
			let idle = 1000;
			let user = 200;
			node('node_cpu_seconds_total', `instance="${inst}", cpu="${cpu}", mode="idle"`, (i) => (idle += busy && i > 30 && i < 70 ? 2 : 58));
			node('node_cpu_seconds_total', `instance="${inst}", cpu="${cpu}", mode="user"`, (i) => (user += busy && i > 30 && i < 70 ? 58 : 2));
			node('node_cpu_seconds_total', `instance="${inst}", cpu="${cpu}", mode="iowait"`, (i) => 10 + i * 0.5);
		}
		node('node_load1', `instance="${inst}"`, (i) => (busy && i > 40 && i < 75 ? 6.5 : 0.8 + (i % 7) / 10));
		node('node_memory_MemTotal_bytes', `instance="${inst}"`, () => 16e9);
		if (busy) node('node_memory_MemAvailable_bytes', `instance="${inst}"`, (i) => 8e9 - i * 5e7);
		else {
			node('node_memory_Buffers_bytes', `instance="${inst}"`, () => 1e9);
			node('node_memory_Cached_bytes', `instance="${inst}"`, (i) => 3e9 + (i % 5) * 1e8);
			node('node_memory_MemFree_bytes', `instance="${inst}"`, () => 2e9);
			node('node_memory_Slab_bytes', `instance="${inst}"`, () => 5e8);
		}
		let rx = 0;
		let lo = 0;
		node('node_network_receive_bytes_total', `instance="${inst}", device="eth0"`, (i) => (rx += 1e6 + (i % 3) * 1e5));
		node('node_network_receive_bytes_total', `instance="${inst}", device="lo"`, () => (lo += 5e5));
		const fs = `instance="${inst}", device="/dev/sda1", fstype="ext4", mountpoint="/"`;
		node('node_filesystem_size_bytes', fs, () => 100e9);
		node('node_filesystem_avail_bytes', fs, (i) => (busy ? 60e9 - i * 0.6e9 : 70e9));
		node('node_filesystem_readonly', fs, () => 0);
	}
	out.push({ series: 'redis_up{instance="r1:9121"}', values: values((i) => (i >= 50 && i < 55 ? 0 : 1)) });
	out.push({ series: 'redis_memory_used_bytes{instance="r1:9121"}', values: values((i) => 6e9 + i * 5e7) });
	out.push({ series: 'redis_total_system_memory_bytes{instance="r1:9121"}', values: values(() => 10e9) });
	out.push({ series: 'redis_connected_clients{instance="r1:9121"}', values: values((i) => (i > 20 && i < 40 ? 95 : 10)) });
	out.push({ series: 'redis_config_maxclients{instance="r1:9121"}', values: values(() => 100) });
	out.push({ series: 'pg_up{instance="pg:9187"}', values: values(() => 1) });
	out.push({ series: 'pg_settings_max_connections{instance="pg:9187"}', values: values(() => 100) });
	for (const [db, state] of [
		['shop', 'active'],
		['shop', 'idle'],
		['orders', 'active']
	] as const) {
		out.push({ series: `pg_stat_activity_count{instance="pg:9187", datname="${db}", state="${state}"}`, values: values((i) => (i > 60 ? 30 : 10) + (state === 'idle' ? 5 : 0)) });
	}
	let deadlocks = 0;
	out.push({ series: 'pg_stat_database_deadlocks{instance="pg:9187", datname="shop"}', values: values((i) => (deadlocks += i === 25 || i === 26 ? 7 : 0)) });
	out.push({ series: 'pg_stat_database_deadlocks{instance="pg:9187", datname="template0"}', values: values((i) => i * 10) });
	for (const [queue, vhost] of [
		['orders', '/'],
		['orders', 'shop'],
		['mail', '/']
	] as const) {
		out.push({ series: `rabbitmq_queue_messages_ready{queue="${queue}", vhost="${vhost}"}`, values: values((i) => (queue === 'orders' ? 200 + i * 12 : 50)) });
	}
	for (const node of ['rabbit@a', 'rabbit@b', 'rabbit@c']) out.push({ series: `rabbitmq_build_info{node="${node}"}`, values: values((i) => (node === 'rabbit@c' && i > 80 ? '_' : 1)) });
	out.push({ series: 'rabbitmq_identity_info{job="rabbitmq"}', values: values((i) => (i < 45 || i > 60 ? 1 : '_')) });
	kubernetes(out);
	return out;
}

/**
 * A cluster eu1 of two nodes with a deployment's two pods (one busy from step 40 to 70, the other's
 * CPU request raised at step 35, which overcommits the cluster), a crash-looping pod with a cluster
 * label and one without, a deployment that stops rolling out, and an API server whose target goes
 * down at step 60.
 */
function kubernetes(out: InputSeries[]): void {
	const ksm = (name: string, labels: string, f: (i: number) => number | '_') => out.push({ series: `${name}{job="kube-state-metrics", ${labels}}`, values: values(f) });
	const pods = [
		['web-7d9-abc', 'node-a'],
		['web-7d9-def', 'node-b']
	] as const;
	for (const [pod, node] of pods) {
		const busy = pod === 'web-7d9-abc';
		const at = `cluster="eu1", namespace="shop", pod="${pod}"`;
		ksm('kube_pod_owner', `${at}, owner_kind="ReplicaSet", owner_name="web-7d9"`, () => 1);
		out.push({ series: `kube_pod_info{${at}, node="${node}", host_ip="10.0.0.${busy ? 1 : 2}"}`, values: values(() => 1) });
		let cpu = 100;
		out.push({ series: `container_cpu_usage_seconds_total{job="cadvisor", ${at}, container="app", image="web:1"}`, values: values((i) => (cpu += busy && i > 40 && i < 70 ? 54 : 12)) });
		let pause = 0;
		out.push({ series: `container_cpu_usage_seconds_total{job="cadvisor", ${at}, container="POD", image=""}`, values: values(() => (pause += 60)) });
		ksm('kube_pod_container_resource_requests', `${at}, container="app", resource="cpu", unit="core"`, (i) => (busy || i >= 35 ? 1.5 : 0.4));
		ksm('kube_pod_status_phase', `${at}, phase="Running"`, () => 1);
		ksm('kube_pod_status_phase', `${at}, phase="Pending"`, () => 0);
	}
	ksm('kube_replicaset_owner', 'cluster="eu1", namespace="shop", replicaset="web-7d9", owner_kind="Deployment", owner_name="web"', () => 1);
	for (const node of ['node-a', 'node-b']) ksm('kube_node_status_allocatable', `cluster="eu1", node="${node}", resource="cpu", unit="core"`, () => 2);
	ksm('kube_pod_container_status_waiting_reason', 'cluster="eu1", namespace="shop", pod="worker-1", container="job", reason="CrashLoopBackOff"', (i) => (i >= 20 && i < 60 ? 1 : '_'));
	ksm('kube_pod_container_status_waiting_reason', 'namespace="ops", pod="cron-2", container="sync", reason="CrashLoopBackOff"', (i) => (i >= 10 && i < 40 ? 1 : '_'));
	// web stops at 2 of 3 replicas at step 30 and its rollout stands still; api is short of one replica while it still rolls out.
	ksm('kube_deployment_spec_replicas', 'namespace="shop", deployment="web"', () => 3);
	ksm('kube_deployment_status_replicas_available', 'namespace="shop", deployment="web"', (i) => (i < 30 ? 3 : 2));
	ksm('kube_deployment_status_replicas_updated', 'namespace="shop", deployment="web"', () => 3);
	ksm('kube_deployment_spec_replicas', 'namespace="shop", deployment="api"', () => 2);
	ksm('kube_deployment_status_replicas_available', 'namespace="shop", deployment="api"', (i) => (i < 50 ? 1 : 2));
	ksm('kube_deployment_status_replicas_updated', 'namespace="shop", deployment="api"', (i) => (i < 50 ? i % 2 : 2));
	out.push({ series: 'up{job="kube-apiserver", instance="10.0.0.1:6443"}', values: values((i) => (i < 60 ? 1 : 0)) });
}

const minutes = (t: number) => `${t / 60_000}m`;

(PROMTOOL ? describe : describe.skip)('mixin-style rule files against promtool 2.42', () => {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-mixins-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it('promtool passes the recorded series and firing alerts Vigil computes, and so does vigil rules test', { timeout: 60_000 }, async () => {
		const parsed = parseRuleFile(RULES, 'mixins.yml');
		expect(parsed.problems).toEqual([]);
		const recordNames = [...new Set(parsed.groups.flatMap((g) => g.recordings.map((r) => r.name)))];
		const alertNames = [...new Set(parsed.groups.flatMap((g) => g.rules.map((r) => r.name)))];
		expect(recordNames.length).toBe(11);
		const input = inputSeries();
		const loaded = await loadInputSeries(input, 60_000);
		if ('errors' in loaded) throw new Error(loaded.errors.join('\n'));
		const times = Array.from({ length: 30 }, (_, i) => i * 3 * 60_000);
		const firing = new Map<number, Map<string, FiringAlert[]>>();
		const errors = await replayRules(parsed.groups, loaded.storage, { evaluationIntervalMs: 60_000, untilMs: times[times.length - 1]! }, times, (t, f) => {
			firing.set(t, new Map(alertNames.map((n) => [n, f(n)])));
		});
		expect(errors).toEqual([]);

		let recorded = 0;
		let fired = 0;
		const promqlTests: Array<{ expr: string; eval_time: string; exp_samples: Array<{ labels: string; value: number }> }> = [];
		for (const t of times) {
			for (const name of recordNames) {
				// NaN cannot be compared: `== ` leaves it out, on both sides.
				const expr = `${name} == ${name}`;
				const res = evalInstant(parseExpr(expr), t, loaded.storage);
				const samples = res.type === 'vector' ? res.samples : [];
				recorded += samples.length;
				promqlTests.push({ expr, eval_time: minutes(t), exp_samples: samples.map((s) => ({ labels: formatLabels(s.labels), value: s.value })) });
			}
		}
		const alertTests = [];
		for (const t of times) {
			for (const name of alertNames) {
				const got = firing.get(t)!.get(name)!;
				fired += got.length;
				alertTests.push({
					eval_time: minutes(t),
					alertname: name,
					exp_alerts: got.map((a) => {
						const { alertname: _, ...labels } = a.labels;
						return { exp_labels: labels, exp_annotations: a.annotations };
					})
				});
			}
		}
		writeFileSync(join(dir, 'mixins.yml'), RULES);
		const testFile = join(dir, 'mixins.test.yml');
		// Without `group_eval_order` promtool 2.42 evaluates the groups in Go map order, which differs
		// from run to run: an alert group that reads a recorded series then sometimes runs before the
		// recording group and sees the previous minute's value. Vigil uses file order; name it.
		const groupOrder = parsed.groups.map((g) => g.name);
		writeFileSync(testFile, stringify({ rule_files: ['mixins.yml'], evaluation_interval: '1m', group_eval_order: groupOrder, tests: [{ interval: '1m', input_series: input, alert_rule_test: alertTests, promql_expr_test: promqlTests }] }, { lineWidth: 0 }));
		// Every recording rule records, and every alert fires at some of the times but two (PostgreSQL
		// stays up; its deadlocks fall between the times checked).
		expect(recordNames.filter((n) => promqlTests.every((p) => !p.expr.startsWith(`${n} `) || p.exp_samples.length === 0))).toEqual([]);
		expect(alertNames.filter((n) => times.every((t) => firing.get(t)!.get(n)!.length === 0))).toEqual(['PostgresqlDown', 'PostgresqlDeadLocks']);
		console.log(`mixins: ${recorded} recorded samples and ${fired} firing alerts checked at ${times.length} times, ${recordNames.length} recording rules, ${alertNames.length} alert names`);
		expect(recorded).toBeGreaterThan(300);
		expect(fired).toBeGreaterThan(20);

		let output: string;
		try {
			const r = await run(PROMTOOL!, ['test', 'rules', testFile], { maxBuffer: 64 * 1024 * 1024 });
			output = r.stdout + r.stderr;
		} catch (err) {
			const e = err as { stdout?: string; stderr?: string };
			output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
		}
		expect(output.slice(0, 4000)).toContain('SUCCESS');
		const lines: string[] = [];
		expect(await runRuleTests([testFile], { out: (l) => lines.push(l) })).toBe(0);
	});
});
