import { describe, expect, it } from 'vitest';
import { collectorConfig } from '../registry';
import { unmet, type HttpConfig } from './http';

function expectation(regex: string): HttpConfig['expect'] {
	const r = collectorConfig.safeParse({ kind: 'http', name: 'probe', url: 'https://shop.example.com/', expect: { regex } });
	if (!r.success) throw new Error(r.error.issues[0]!.message);
	return (r.data as HttpConfig).expect;
}

function problem(regex: string): { path: string; message: string } {
	const r = collectorConfig.safeParse({ kind: 'http', name: 'probe', url: 'https://shop.example.com/', expect: { regex } });
	expect(r.success, regex).toBe(false);
	const issue = r.error!.issues[0]!;
	return { path: issue.path.join('.'), message: issue.message };
}

describe('http expect.regex', () => {
	it('matches anywhere in the body, as a search', () => {
		const e = expectation('status: (ok|degraded)');
		expect(unmet(e, 200, '{"status: ok"}', 1)).toBeUndefined();
		expect(unmet(e, 200, 'status: down', 1)).toBe('the body does not match /status: (ok|degraded)/');
	});

	// The pattern and body of the outage: a backtracking engine takes exponential time here (the
	// 28-byte body stalled the collector for 4.9 s); RE2 answers in time linear in the body.
	it('answers at once for patterns that make a backtracking engine explode', () => {
		for (const pattern of ['^(a+)+$', '(a|aa)+$', '^(a|a?)+$', '(.*a){20}$']) {
			const e = expectation(pattern);
			expect(unmet(e, 200, `${'a'.repeat(64)}!`, 1), pattern).toBe(`the body does not match /${pattern}/`);
		}
	});

	it('refuses at config time what RE2 does not run, naming expect.regex', () => {
		for (const pattern of ['(a)\\1', '(?=x)y', '(?!x)y', '(?<=x)y', '[z-a]', '(unclosed']) {
			const p = problem(pattern);
			expect(p.path, pattern).toBe('expect.regex');
			expect(p.message, pattern).toMatch(/^expected a regular expression in RE2 syntax \(no backreferences or lookarounds\): .+/);
		}
	});
});
