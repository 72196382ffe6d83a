/**
 * URLs and links from hostile input, against a running `vigil` (the web server's routes and the
 * runtime are two bundles there, each with its own copy of every class): every refusal of the
 * channel API answers a 4xx with a message, never a 500; a channel URL at an address the channels'
 * allow list does not name is refused when saved, one it names is reached (a loopback canary
 * counts the hits); a notification's generatorURL opens the rule's page; and a rule's runbook_url
 * is a link only when it is an http(s) URL or a path here (refused when saved, text on the page).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookBody, type Notification, newSecretKey, SecretBox } from '../../src/lib/server/alerting/notify';
import { RuleRepository } from '../../src/lib/server/alerting/ruleset';
import { createKeys } from '../../src/lib/server/keys';
import { startCanary, type Canary } from '../helpers/canary';
import { vigilCli } from '../helpers/kiosk';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { addVigilUser, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

const PASSWORD = 'a long enough password';
const prefix = `chan${process.pid}:`;
const GROUP = 'shop #1 & co';
let redis: TestRedis;
let client: Redis;
let vigil: VigilProcess;
let canary: Canary;
let token: string;
/** The session cookie of ada (an admin). */
let cookie: string;
const dir = mkdtempSync(join(tmpdir(), 'vigil-channels-'));

beforeAll(async () => {
	redis = await startTestRedis();
	canary = await startCanary();
	const config = `redis:\n  prefix: "${prefix}"\ncollectors: []\nnotifications:\n  allowPrivate: ["127.0.0.1"]\n  channels:\n    - { name: ops-log, type: log }\n`;
	vigil = await startVigilProcess({ config, redisUrl: redis.url, env: { VIGIL_SECRET_KEY: newSecretKey() } });
	addVigilUser(vigil, redis.url, 'ada', 'admin', PASSWORD);
	const t = vigilCli(vigil, redis.url, ['token', 'create', '--name', 'channels', '--user', 'ada']);
	expect(t.code, t.err).toBe(0);
	token = t.out.split('\n')[0]!.trim();
	writeFileSync(join(dir, 'shop.yml'), `groups:\n- name: "${GROUP}"\n  rules:\n  - alert: Down\n    expr: up == 0\n`);
	const imported = vigilCli(vigil, redis.url, ['rules', 'import', join(dir, 'shop.yml')]);
	expect(imported.code, imported.err).toBe(0);
	client = new Redis(redis.url);
	const login = await fetch(`${vigil.url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: vigil.url },
		body: new URLSearchParams({ username: 'ada', password: PASSWORD }).toString()
	});
	expect(login.status).toBe(303);
	cookie = login.headers.getSetCookie().find((c) => c.startsWith('vigil_session='))!.split(';')[0]!;
});

afterAll(async () => {
	client?.disconnect();
	await vigil?.stop();
	await canary?.close();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; error?: string; body: Record<string, unknown> }> {
	const res = await fetch(`${vigil.url}/api/v1/channels${path}`, {
		method,
		headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const json = (await res.json()) as Record<string, unknown>;
	return { status: res.status, error: typeof json.error === 'string' ? json.error : undefined, body: json };
}

describe('channel API refusals', () => {
	beforeAll(async () => {
		expect((await api('POST', '', { name: 'quiet', type: 'log' })).status).toBe(201);
		// A stored channel whose secret was sealed with another key (VIGIL_SECRET_KEY was changed).
		const sealed = SecretBox.withKey(newSecretKey()).seal(JSON.stringify({ url: canary.url('127.0.0.1', '/hook') }));
		const stored = { name: 'rekeyed', type: 'webhook', secret: sealed, urlMasked: 'http://127.0.0.1/…', sendResolved: true, maxAlerts: 0, createdAt: 1, createdBy: 'test', updatedAt: 1 };
		await client.hset(createKeys(prefix).alerts.channels, 'rekeyed', JSON.stringify(stored));
	});

	it.each([
		['POST a provisioned name', 'POST', '', { name: 'ops-log', type: 'log' }, 409, /channel "ops-log" comes from the config file \(notifications\.channels\): change it there/],
		['POST a name that exists', 'POST', '', { name: 'quiet', type: 'log' }, 409, /a channel named "quiet" exists: PUT \/api\/v1\/channels\/quiet replaces it/],
		['PUT a channel that does not exist', 'PUT', '/nope', { type: 'log' }, 404, /no channel named "nope"/],
		['PUT a provisioned channel', 'PUT', '/ops-log', { type: 'log' }, 409, /comes from the config file/],
		['PUT a log channel as a webhook without a URL', 'PUT', '/quiet', { type: 'webhook' }, 400, /url: a webhook channel needs a URL/],
		['PUT without a URL a channel whose secret does not open', 'PUT', '/rekeyed', { type: 'webhook', sendResolved: false }, 409, /does not open with this VIGIL_SECRET_KEY/],
		['DELETE a channel that does not exist', 'DELETE', '/nope', undefined, 404, /no channel named "nope"/],
		['DELETE a provisioned channel', 'DELETE', '/ops-log', undefined, 409, /comes from the config file \(notifications\.channels\): remove it there/],
		['test a channel that does not exist', 'POST', '/nope/test', undefined, 404, /no channel named "nope"/],
		['test a channel whose secret does not open', 'POST', '/rekeyed/test', undefined, 409, /does not open with this VIGIL_SECRET_KEY: was the key changed\?/]
	])('%s: a 4xx with the reason', async (_what, method, path, body, status, message) => {
		const r = await api(method, path, body);
		expect(r.status, JSON.stringify(r.body)).toBe(status);
		expect(r.error).toMatch(message);
	});

	it('a replacement without the URL keeps the stored one', async () => {
		expect((await api('POST', '', { name: 'kept', type: 'webhook', url: canary.url('127.0.0.1', '/kept') })).status).toBe(201);
		const r = await api('PUT', '/kept', { type: 'slack', sendResolved: false });
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(r.body.channel).toMatchObject({ name: 'kept', type: 'slack', url: `${canary.url('127.0.0.1')}…`, sendResolved: false });
		expect((await api('DELETE', '/kept')).status).toBe(200);
	});

	it('refuses to save a URL at an address notifications.allowPrivate does not name, in any notation', async () => {
		for (const host of ['[::ffff:127.0.0.2]', '2130706434', '127.0.0.2', '0x7f.0.0.2', 'localhost', '[::1]']) {
			const r = await api('POST', '', { name: 'sneaky', type: 'webhook', url: canary.url(host, '/hook') });
			expect(r.status, host).toBe(400);
			expect(r.error, host).toMatch(/^url: .*a loopback address .*add it to notifications\.allowPrivate to allow it/);
		}
		const put = await api('PUT', '/quiet', { type: 'slack', url: canary.url('[::ffff:7f00:2]', '/hook') });
		expect(put.status).toBe(400);
		expect(put.error).toContain('notifications.allowPrivate');
		expect(canary.hits).toBe(0);
	});

	it('reaches an address notifications.allowPrivate names, through the test route', async () => {
		expect((await api('POST', '', { name: 'canary', type: 'webhook', url: canary.url('[::ffff:127.0.0.1]', '/hook') })).status).toBe(201);
		const r = await api('POST', '/canary/test');
		expect(r.status, JSON.stringify(r.body)).toBe(200);
		expect(canary.hits).toBe(1);
	});
});

describe('notification links', () => {
	it("a notification's generatorURL opens the rule's page (after a login)", async () => {
		const n: Notification = {
			id: 'n1',
			idempotencyKey: 'k1',
			groupKey: 'g',
			routeId: 'r',
			receiver: 'ops-log',
			status: 'firing',
			groupLabels: { alertname: 'Down' },
			alerts: [{ status: 'firing', ruleId: `${GROUP}/Down`, fingerprint: 'f', labels: { alertname: 'Down' }, annotations: {}, startsAt: 0 }],
			incidentIds: [],
			createdAt: 0,
			deadline: 0,
			attempts: 0
		};
		const body = webhookBody(n, { name: 'ops-log', type: 'webhook', sendResolved: true, maxAlerts: 0 }, { externalUrl: `${vigil.url}/` });
		const link = (body.alerts as Array<{ generatorURL: string }>)[0]!.generatorURL;
		expect(link).toBe(`${vigil.url}/rules/${encodeURIComponent(GROUP)}/Down`);

		const anonymous = await fetch(link, { redirect: 'manual' });
		expect(anonymous.status).toBe(303);
		expect(anonymous.headers.get('location')).toMatch(/^\/login\?next=/);

		const page = await fetch(link, { headers: { cookie } });
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('up == 0');
	});
});

describe('runbook links', () => {
	/** Saves the rule `<GROUP>/Down` again with this runbook_url, as the rule page's editor does. */
	async function saveRunbook(runbook: string): Promise<{ status: number; text: string }> {
		const res = await fetch(`${vigil.url}/api/v1/rules/${encodeURIComponent(GROUP)}/Down`, {
			method: 'PUT',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: JSON.stringify({ yaml: `alert: Down\nexpr: up == 0\nrunbook_url: ${JSON.stringify(runbook)}\n` })
		});
		return { status: res.status, text: await res.text() };
	}

	it('refuses to save a runbook_url that is not an http(s) URL or a path, templated or not', async () => {
		for (const runbook of ['javascript:alert(document.cookie)//{{ $labels.instance }}', 'javascript:alert(1)', 'data:text/html,{{ $value }}']) {
			const r = await saveRunbook(runbook);
			expect(r.status, runbook).toBe(400);
			expect(r.text, runbook).toContain('runbook_url');
			expect(r.text, runbook).toContain('expected an http:// or https:// URL, or a path on this site');
		}
		expect((await saveRunbook('https://wiki.example.com/runbooks/{{ $labels.service }}')).status).toBe(200);
	});

	it('the rule page links only a safe runbook: one stored before this check, or a template, is text', async () => {
		// As stored by an older Vigil, which let it through.
		await new RuleRepository(client, createKeys(prefix)).save(
			[
				{
					name: 'legacy',
					rules: [
						{ alert: 'Old', expr: 'up == 0', runbook_url: 'javascript:alert(document.cookie)' },
						{ alert: 'Templated', expr: 'up == 0', runbook_url: '{{ $labels.runbook }}' },
						{ alert: 'Linked', expr: 'up == 0', runbook_url: '/runbooks/linked' }
					]
				}
			],
			{ author: 'test' }
		);
		for (const [alert, text] of [
			['Old', 'javascript:alert(document.cookie)'],
			['Templated', '{{ $labels.runbook }}']
		] as const) {
			const html = await (await fetch(`${vigil.url}/rules/legacy/${alert}`, { headers: { cookie } })).text();
			expect(html, alert).toContain('data-testid="rule-runbook"');
			expect(html, alert).not.toMatch(/href="(javascript:|\{\{)/i);
			expect(html, alert).toContain(`Runbook: <code>${text}</code>`);
		}
		const linked = await (await fetch(`${vigil.url}/rules/legacy/Linked`, { headers: { cookie } })).text();
		expect(linked).toMatch(/<a href="\/runbooks\/linked"[^>]*data-testid="rule-runbook">Runbook<\/a>/);
	});
});
