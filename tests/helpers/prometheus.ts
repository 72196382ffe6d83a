/**
 * A real Prometheus (Debian's `prometheus`, 2.42) as an independent oracle: started on a free port
 * with its own data directory and a scrape config of the test's, queried over its HTTP API.
 * `prometheusAvailable()` says whether the binary is there (tests skip with a notice otherwise).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server';

export const PROMETHEUS_BIN = process.env.PROMETHEUS ?? '/usr/bin/prometheus';

export function prometheusAvailable(): boolean {
	return existsSync(PROMETHEUS_BIN);
}

export interface ScrapeJob {
	job: string;
	/** host:port of the target. */
	target: string;
	path?: string;
	intervalSeconds: number;
}

export interface TestPrometheus {
	url: string;
	/** An instant query at `time` (epoch ms; default now): the vector's samples. */
	query(expr: string, time?: number): Promise<Array<{ metric: Record<string, string>; value: number }>>;
	stop(): Promise<void>;
}

export async function startPrometheus(jobs: ScrapeJob[]): Promise<TestPrometheus> {
	const dir = mkdtempSync(join(tmpdir(), 'vigil-prom-'));
	const port = await freePort();
	const config = {
		global: { scrape_interval: '15s', evaluation_interval: '15s' },
		scrape_configs: jobs.map((j) => ({
			job_name: j.job,
			scrape_interval: `${j.intervalSeconds}s`,
			scrape_timeout: `${Math.max(1, Math.floor(j.intervalSeconds * 0.8))}s`,
			metrics_path: j.path ?? '/metrics',
			static_configs: [{ targets: [j.target] }]
		}))
	};
	writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
	const proc: ChildProcess = spawn(
		PROMETHEUS_BIN,
		[`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
		{ stdio: ['ignore', 'ignore', 'pipe'] }
	);
	let stderr = '';
	proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 30_000;
	for (;;) {
		try {
			if ((await fetch(`${url}/-/ready`)).ok) break;
		} catch {
			/* not yet */
		}
		if (proc.exitCode !== null || Date.now() > deadline) {
			proc.kill('SIGKILL');
			throw new Error(`prometheus did not become ready: ${stderr}`);
		}
		await new Promise((r) => setTimeout(r, 200));
	}
	return {
		url,
		async query(expr, time = Date.now()) {
			const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr, time: String(time / 1000) })}`);
			const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
			if (body.status !== 'success' || body.data?.resultType !== 'vector') throw new Error(`prometheus: ${body.error ?? JSON.stringify(body).slice(0, 300)}`);
			return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
		},
		async stop() {
			if (proc.exitCode === null) {
				const exited = new Promise((r) => proc.once('exit', r));
				proc.kill('SIGTERM');
				await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
				if (proc.exitCode === null) proc.kill('SIGKILL');
			}
			rmSync(dir, { recursive: true, force: true });
		}
	};
}
