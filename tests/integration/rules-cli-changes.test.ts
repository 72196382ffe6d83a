/**
 * `vigil rules show|versions|rollback|enable|disable` against a private redis-server and a
 * running alerts role: the built CLI shows a rule with its version, author, source, enabled flag
 * and alerts by state; lists its versions with their diffs; and makes the API's changes through
 * the same calls, so each is a version, is audited, and is announced on the control channel (the
 * alerts role uses it at its next evaluation, not at its 10 s poll).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { createKeys } from '../../src/lib/server/keys';
import type { RuleState } from '../../src/lib/server/rules/types';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { cliFor } from '../helpers/cli';

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
let sub: Redis;
const heard: Array<{ type: string; revision: number }> = [];
const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-changes-'));
const configFile = join(dir, 'vigil.config.yaml');
const prefix = `rulecli${process.pid}:`;
const keys = createKeys(prefix);
const config = `redis:\n  prefix: "${prefix}"\n`;
const RULES = `groups:
  - name: shop
    interval: 1s
    rules:
      - alert: Always
        expr: vector(5) > 1
        severity: warning
        labels: { team: pay }
        annotations: { summary: "value {{ $value }}" }
`;

const cli = cliFor(() => ({ redisUrl: redis.url, configFile, cwd: dir }));

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
	const deadline = Date.now() + ms;
	for (;;) {
		const v = await read();
		if (ok(v)) return v;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; last ${JSON.stringify(v)}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

const saved = async () => (await new AlertStateStore<RuleState>(client, keys).get('shop/Always'))?.state;
const firing = async () => ((await saved())?.instances ?? []).filter((i) => i.state === 'firing').length;
const repo = () => new RuleRepository(client, keys);
/** The audit entries of rule changes, newest first: [actor, action, target]. */
async function ruleAudit(): Promise<string[][]> {
	const entries = await client.xrevrange(keys.audit, '+', '-', 'COUNT', 50);
	return entries
		.map(([, f]) => {
			const o: Record<string, string> = {};
			for (let i = 0; i < f.length; i += 2) o[f[i]!] = f[i + 1]!;
			return [o.actor ?? '', o.action ?? '', o.target ?? ''];
		})
		.filter(([, action]) => action!.startsWith('rule.'));
}
/** Waits for the next announcement and checks it carries the set's revision. */
async function announced(count: number): Promise<void> {
	await until('the announcement on the control channel', async () => heard.length, (n) => n >= count, 3000);
	expect(heard.at(-1)).toEqual({ type: 'rules', revision: await repo().revision() });
}

beforeAll(async () => {
	redis = await startTestRedis();
	writeFileSync(configFile, config);
	writeFileSync(join(dir, 'shop.rules.yml'), RULES);
	client = new Redis(redis.url);
	const imported = cli(['rules', 'import', 'shop.rules.yml', '--author', 'ana', '--message', 'first']);
	expect(imported.code, imported.err).toBe(0);
	sub = new Redis(redis.url);
	sub.on('message', (_c, m: string) => heard.push(JSON.parse(m) as { type: string; revision: number }));
	await sub.subscribe(keys.control);
	vigil = await startVigilProcess({ config, redisUrl: redis.url, roles: 'alerts' });
	await until('the rule fires', firing, (n) => n === 1, 15_000);
}, 60_000);
afterAll(async () => {
	await vigil?.stop();
	sub?.disconnect();
	client?.disconnect();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

describe('vigil rules show and versions', () => {
	it('show prints the version, author, source, enabled flag, health and alerts by state', () => {
		const r = cli(['rules', 'show', 'shop/Always']);
		expect(r.code, r.err).toBe(0);
		const out = r.out;
		expect(out).toMatch(/^shop\/Always\n/);
		expect(out).toMatch(/ {2}version +v1 by ana, \S+Z: "first"\n/);
		expect(out).toMatch(/ {2}source +file shop\.rules\.yml\n/);
		expect(out).toMatch(/ {2}enabled +yes\n/);
		expect(out).toMatch(/ {2}group +shop, every 1s\n/);
		expect(out).toMatch(/ {2}severity +warning\n/);
		expect(out).toMatch(/ {2}health +ok; last evaluated \S+Z in \d+(\.\d)? ms\n/);
		expect(out).toMatch(/ {2}alerts +1 firing, 0 pending, 0 no data, 0 error\n/);
		expect(out).toMatch(/ {4}firing +\{team="pay", severity="warning"\} = 5 since \S+Z\n/);
		expect(out).toMatch(/ {2}silenced +no\n/);
		expect(out).toContain('rule:\n  alert: Always\n  expr: vector(5) > 1\n');
		// An alert name that only one rule has names it too; --json for scripts.
		const json = cli(['rules', 'show', 'Always', '--json']);
		expect(json.code, json.err).toBe(0);
		const body = JSON.parse(json.out) as { rule: { id: string; version: number; author: string; source: string; enabled: boolean }; message: string; health: string; counts: Record<string, number> };
		expect(body.rule).toMatchObject({ id: 'shop/Always', version: 1, author: 'ana', source: 'file shop.rules.yml', enabled: true });
		expect(body).toMatchObject({ message: 'first', health: 'ok', counts: { firing: 1, pending: 0, nodata: 0, error: 0 } });
	});

	it('versions lists each version newest first, with --diff its changes', () => {
		writeFileSync(join(dir, 'shop.rules.yml'), RULES.replace('vector(5) > 1', 'vector(5) > 10'));
		const imported = cli(['rules', 'import', 'shop.rules.yml', '--author', 'bo', '--message', 'raise the threshold']);
		expect(imported.code, imported.err).toBe(0);
		const r = cli(['rules', 'versions', 'shop/Always']);
		expect(r.code, r.err).toBe(0);
		expect(r.out).toMatch(/^shop\/Always: 2 versions, newest first\n {2}v2 {2}\S+Z {2}by bo {2}"raise the threshold" {2}\(file shop\.rules\.yml\)\n {2}v1 {2}\S+Z {2}by ana {2}"first" {2}\(file shop\.rules\.yml\)\n$/);
		const d = cli(['rules', 'versions', 'Always', '--diff']);
		expect(d.out).toContain('      -expr: vector(5) > 1\n      +expr: vector(5) > 10\n');
		const json = JSON.parse(cli(['rules', 'versions', 'shop/Always', '--json']).out) as Array<{ version: number; author: string; message: string; diff?: string }>;
		expect(json.map((v) => [v.version, v.author, v.message, v.diff])).toEqual([
			[2, 'bo', 'raise the threshold', undefined],
			[1, 'ana', 'first', undefined]
		]);
	});

	it('names the rule it cannot find; needs one rule', () => {
		for (const sub of ['show', 'versions', 'enable', 'disable']) {
			const r = cli(['rules', sub, 'shop/Nope']);
			expect(r.code, sub).toBe(2);
			expect(r.err).toContain(`rules ${sub}: no rule "shop/Nope"; \`vigil rules list\` shows the ids`);
		}
		expect(cli(['rules', 'show']).code).toBe(2);
		expect(cli(['rules', 'show', 'a', 'b']).err).toContain('name one rule');
	});
});

describe('vigil rules rollback, disable and enable', () => {
	it('rollback makes an old version current again: a version, audited, announced, used at the next evaluation', async () => {
		await until('the raised threshold resolves the alert', firing, (n) => n === 0, 15_000);
		const before = heard.length;
		const r = cli(['rules', 'rollback', 'shop/Always', '--version', '1', '--author', 'cy', '--message', 'too quiet']);
		expect(r.code, r.err).toBe(0);
		expect(r.out).toMatch(/^shop\/Always: v3 by cy, enabled; the alerts role uses it from its next evaluation\n$/);
		await announced(before + 1);
		const [v3] = await repo().versions('shop/Always');
		expect(v3).toMatchObject({ version: 3, author: 'cy', message: 'roll back to version 1: too quiet', source: 'file shop.rules.yml', spec: { expr: 'vector(5) > 1' } });
		expect((await ruleAudit())[0]).toEqual(['cy', 'rule.rollback', 'shop/Always']);
		// The announcement, not the 10 s poll: the 1 s group fires again at once.
		await until('fires again after the rollback', firing, (n) => n === 1, 5000);
	});

	it('rollback refuses a missing --version, a bad one and one that does not exist, changing nothing', async () => {
		const revision = await repo().revision();
		const cases: Array<[string[], RegExp]> = [
			[[], /--version N is required/],
			[['--version', 'latest'], /--version expected a version number like 3, got "latest"/],
			[['--version', '9'], /rules rollback: version: rule shop\/Always has no version 9/]
		];
		for (const [args, message] of cases) {
			const r = cli(['rules', 'rollback', 'shop/Always', ...args]);
			expect(r.code, args.join(' ')).toBe(2);
			expect(r.err).toMatch(message);
		}
		expect(await repo().revision()).toBe(revision);
	});

	it('disable stops the evaluation at once; again changes nothing; enable turns it back on; a shared alert name is refused', async () => {
		const before = heard.length;
		const off = cli(['rules', 'disable', 'Always', '--author', 'dee', '--message', 'noisy']);
		expect(off.code, off.err).toBe(0);
		expect(off.out).toMatch(/^shop\/Always: v4 by dee, disabled; the alerts role uses it from its next evaluation\n$/);
		await announced(before + 1);
		expect((await repo().versions('shop/Always'))[0]).toMatchObject({ version: 4, author: 'dee', message: 'noisy', enabled: false });
		expect((await ruleAudit())[0]).toEqual(['dee', 'rule.disable', 'shop/Always']);
		// A disabled rule is not evaluated: its last evaluation stops moving (the group runs every 1 s).
		await new Promise((r) => setTimeout(r, 1500));
		const last = (await saved())?.lastEvalAt;
		await new Promise((r) => setTimeout(r, 2500));
		expect((await saved())?.lastEvalAt).toBe(last);
		expect(cli(['rules', 'show', 'shop/Always']).out).toMatch(/ {2}enabled +no \(not evaluated\)\n/);

		const again = cli(['rules', 'disable', 'shop/Always']);
		expect(again.code, again.err).toBe(0);
		expect(again.out).toContain('shop/Always is already disabled; nothing changed (v4)');
		expect(heard.length).toBe(before + 1);

		const on = cli(['rules', 'enable', 'shop/Always']);
		expect(on.code, on.err).toBe(0);
		expect(on.out).toMatch(/^shop\/Always: v5 by cli:\S+, enabled;/);
		await announced(before + 2);
		expect((await ruleAudit())[0]).toEqual([expect.stringMatching(/^cli:/), 'rule.enable', 'shop/Always']);
		await until('evaluated again', async () => (await saved())?.lastEvalAt ?? 0, (t) => t > (last ?? 0), 5000);
		const versions = cli(['rules', 'versions', 'shop/Always']).out;
		expect(versions.split('\n').slice(1, 4)).toEqual([expect.stringMatching(/^ {2}v5 .* by cli:/), expect.stringMatching(/^ {2}v4 .* by dee {2}disabled {2}"noisy"/), expect.stringMatching(/^ {2}v3 .* by cy {2}"roll back to version 1: too quiet"/)]);

		// An alert name that two rules share names neither.
		writeFileSync(join(dir, 'other.rules.yml'), RULES.replace('name: shop', 'name: other').replace('vector(5) > 1', 'vector(0) > 1'));
		expect(cli(['rules', 'import', 'other.rules.yml']).code).toBe(0);
		const ambiguous = cli(['rules', 'disable', 'Always']);
		expect(ambiguous.code).toBe(2);
		expect(ambiguous.err).toContain('rules disable: "Always" names 2 rules; use the id: shop/Always, other/Always');
	});
});
