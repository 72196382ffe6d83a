/**
 * http: probes a URL, as Uptime Kuma or Prometheus' blackbox exporter do.
 *
 * Config: `url` (http: or https:), `method` (GET, HEAD, POST, PUT; default GET), `headers`,
 * `body`, `expect.status` (codes and ranges like 200, "2xx", "200-299"; default "200-299"),
 * `expect.keyword` (text the body must contain), `expect.regex` (a pattern the body must match,
 * in RE2 syntax: matching takes time linear in the body's length, so no pattern can stall the
 * collector; backreferences and lookarounds are refused when the config is read),
 * `expect.maxLatency` (a duration the whole request must beat), `maxRedirects` (default 5),
 * `verifyTls` (default true), plus the common `interval`, `timeout`, `retries` and `labels`.
 *
 * Series: probe_duration_seconds, probe_phase_seconds{phase=dns|connect|tls|first_byte},
 * probe_http_status_code, probe_http_redirects, probe_tls_cert_expiry_days (https only), and the
 * scheduler's up, target_status, collect_duration_seconds.
 */
import { RE2JS } from 're2js';
import { z } from 'zod';
import { zDuration } from '../../src/lib/shared/duration';
import type { Sample } from '../../src/lib/shared/series';
import { collectorBlock, targetOf } from '../common';
import { httpRequestWithGuard } from '../net/http-client';
import type { SourceDefinition } from '../types';

const statusEntry = z.union([z.number().int().min(100).max(599), z.string()]).transform((v, ctx) => {
	if (typeof v === 'number') return [v, v] as const;
	const m = /^([1-5])xx$/i.exec(v) ?? null;
	if (m) return [Number(m[1]) * 100, Number(m[1]) * 100 + 99] as const;
	const r = /^(\d{3})-(\d{3})$/.exec(v);
	if (r && Number(r[1]) <= Number(r[2])) return [Number(r[1]), Number(r[2])] as const;
	if (/^\d{3}$/.test(v)) return [Number(v), Number(v)] as const;
	ctx.addIssue({ code: 'custom', message: `expected a status code, a class like "2xx" or a range like "200-299", got ${JSON.stringify(v)}` });
	return z.NEVER;
});

const schema = collectorBlock('http', {
	url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
	method: z.enum(['GET', 'HEAD', 'POST', 'PUT']).default('GET'),
	headers: z.record(z.string(), z.string()).default({}),
	body: z.string().optional(),
	expect: z
		.strictObject({
			status: z.array(statusEntry).min(1).default([[200, 299]]),
			keyword: z.string().min(1).optional(),
			regex: z
				.string()
				.min(1)
				.max(4096)
				.transform((source, ctx) => {
					try {
						return { source, re: RE2JS.compile(source) };
					} catch (err) {
						ctx.addIssue({ code: 'custom', message: `expected a regular expression in RE2 syntax (no backreferences or lookarounds): ${(err as Error).message}` });
						return z.NEVER;
					}
				})
				.optional(),
			maxLatency: zDuration({ min: 1 }).optional()
		})
		.prefault({}),
	maxRedirects: z.number().int().min(0).max(20).default(5),
	verifyTls: z.boolean().default(true)
});

export type HttpConfig = z.output<typeof schema>;

/** Why a response fails the expectations, or undefined when it meets them. */
export function unmet(config: HttpConfig['expect'], status: number, body: string, totalMs: number): string | undefined {
	if (!config.status.some(([lo, hi]) => status >= lo && status <= hi)) {
		return `status ${status} is not one of ${config.status.map(([lo, hi]) => (lo === hi ? lo : `${lo}-${hi}`)).join(', ')}`;
	}
	if (config.keyword !== undefined && !body.includes(config.keyword)) return `the body does not contain ${JSON.stringify(config.keyword)}`;
	if (config.regex !== undefined && !config.regex.re.test(body)) return `the body does not match /${config.regex.source}/`;
	if (config.maxLatency !== undefined && totalMs > config.maxLatency) return `took ${Math.round(totalMs)} ms, more than ${config.maxLatency} ms`;
	return undefined;
}

export const httpSource: SourceDefinition<typeof schema> = {
	kind: 'http',
	summary: 'probe a URL: status, keyword or regex, latency and its phases, TLS expiry',
	schema,
	create(config, deps) {
		const readBody = config.method !== 'HEAD' && (config.expect.keyword !== undefined || config.expect.regex !== undefined);
		return targetOf(config, async ({ signal, now }) => {
			const res = await httpRequestWithGuard({
				url: config.url,
				method: config.method,
				headers: config.headers,
				body: config.body,
				signal,
				policy: deps.addressPolicy,
				maxRedirects: config.maxRedirects,
				verifyTls: config.verifyTls,
				maxBodyBytes: readBody ? 4 * 1024 * 1024 : 64 * 1024
			});
			const t = res.timings;
			const sample = (name: string, value: number, labels: Record<string, string> = {}): Sample => ({ name, labels, ts: now, value });
			const samples: Sample[] = [
				sample('probe_duration_seconds', t.totalMs / 1000),
				sample('probe_http_status_code', res.status),
				sample('probe_http_redirects', res.redirects),
				sample('probe_phase_seconds', t.firstByteMs / 1000, { phase: 'first_byte' })
			];
			if (t.dnsMs !== undefined) samples.push(sample('probe_phase_seconds', t.dnsMs / 1000, { phase: 'dns' }));
			if (t.connectMs !== undefined) samples.push(sample('probe_phase_seconds', t.connectMs / 1000, { phase: 'connect' }));
			if (t.tlsMs !== undefined) samples.push(sample('probe_phase_seconds', t.tlsMs / 1000, { phase: 'tls' }));
			if (res.certificateValidTo) {
				samples.push(sample('probe_tls_cert_expiry_days', Math.floor(((res.certificateValidTo.getTime() - now) / 86_400_000) * 100) / 100));
			}
			for (const s of samples) s.value = Math.round(s.value * 1e6) / 1e6;
			const why = unmet(config.expect, res.status, res.body, t.totalMs);
			return why ? { samples, up: false, error: why } : { samples };
		});
	}
};
