/**
 * The /rules list in a browser, against a running `vigil` (web role) holding the demo's rule files
 * (imported as an operator does, `vigil rules import`) and alert state written as the alerts
 * leader writes it: a viewer sees the demo's rules with their groups, filters by text and by state
 * (the filter is in the URL and survives a reload), sees a rule's counts change live without a
 * reload, and hostile text in a group name, a summary, a label and a last error shows as text,
 * on the list and on the rule's own page (labels, annotations, instances, state changes,
 * notifications, versions and their diffs).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { Redis } from 'ioredis';
import { AlertStateStore } from '../../src/lib/server/alerting/state';
import { createKeys } from '../../src/lib/server/keys';
import type { AlertEvent, AlertInstance, RuleState } from '../../src/lib/server/rules/types';
import { hydrated } from '../helpers/browser-session';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { ROOT, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';
import { runCli } from '../helpers/cli';

let redis: TestRedis;
let vigil: VigilProcess;
let client: Redis;
const PASSWORD = 'rules list password';
const XSS = '<img src=x onerror="window.__xss=1;alert(1)">';
const prefix = `rl${Math.random().toString(36).slice(2, 8)}:`;
const keys = createKeys(prefix);
const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-list-'));

function cli(args: string[], input = ''): void {
	const r = runCli({ redisUrl: redis.url, configFile: vigil.configFile, cwd: ROOT }, args, input);
	expect(r.code, r.err).toBe(0);
}

function inst(labels: Record<string, string>, state: AlertInstance['state']): AlertInstance {
	return { fingerprint: Object.values(labels).join('-'), labels, annotations: {}, state, value: 1, activeAt: Date.now() - 60_000 };
}

async function saveState(ruleId: string, instances: AlertInstance[], extra: Partial<RuleState> = {}): Promise<void> {
	const state: RuleState = { ruleId, health: 'ok', lastEvalAt: Date.now() - 3000, lastEvalDurationMs: 6, instances, ...extra };
	await new AlertStateStore<RuleState>(client, keys).save(1, Date.now(), [{ ruleId, state }]);
}

/** Logs in through the login form's endpoint (the session cookie lands in the page's context), then opens `next`. */
async function login(page: Page, next: string): Promise<void> {
	const res = await page.context().request.post(`${vigil.url}/login`, { form: { username: 'val', password: PASSWORD }, headers: { origin: vigil.url, accept: 'text/html' }, maxRedirects: 0 });
	expect(res.status()).toBe(303);
	await page.goto(`${vigil.url}${next}`);
	await hydrated(page);
}

const row = (page: Page, id: string) => page.locator(`[data-testid="rule-row"][data-rule=${JSON.stringify(id)}]`);

test.beforeAll(async () => {
	test.setTimeout(90_000);
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: `redis:\n  prefix: "${prefix}"\nroles: [web]\n`, redisUrl: redis.url });
	client = new Redis(redis.url);
	cli(['users', 'add', 'val', '--role', 'viewer'], `${PASSWORD}\n`);
	mkdirSync(dir, { recursive: true });
	const hostile = join(dir, 'hostile.rules.yml');
	writeFileSync(
		hostile,
		`groups:\n  - name: ${JSON.stringify(XSS)}\n    rules:\n      - alert: HostileText\n        expr: up == 0\n        labels: { team: ${JSON.stringify(XSS)} }\n        annotations: { summary: ${JSON.stringify(`${XSS} is down`)} }\n`
	);
	cli(['rules', 'import', 'rules/demo-shop.rules.yml', 'rules/vigil.rules.yml', hostile, '--author', 'ops']);
	await saveState('demo-shop.availability/ProbeDown', [inst({ alertname: 'ProbeDown', service: 'payments' }, 'firing')]);
	await saveState('demo-shop.queues/QueueDrainAboveSLA', [inst({ alertname: 'QueueDrainAboveSLA', queue: 'emails' }, 'pending')]);
	await saveState(`${XSS}/HostileText`, [], { health: 'error', lastError: `bad: ${XSS}` });
});

test.afterAll(async () => {
	client?.disconnect();
	await vigil?.stop();
	await redis?.stop();
	rmSync(dir, { recursive: true, force: true });
});

test('a viewer sees the demo rules, filters them by text and state in the URL, and sees counts change live', async ({ page }) => {
	const dialogs: string[] = [];
	page.on('dialog', (d) => {
		dialogs.push(d.message());
		void d.dismiss();
	});
	await login(page, '/rules');
	await expect(page).toHaveURL(`${vigil.url}/rules`);
	await expect(page.getByRole('heading', { name: 'Rules' })).toBeVisible();
	// 16 demo-shop rules, the wall's own and the hostile one.
	await expect(page.getByTestId('rule-row')).toHaveCount(18);
	for (const [id, group] of <Array<[string, string]>>[
		['demo-shop.availability/ProbeDown', 'demo-shop.availability'],
		['demo-shop.checkout/PaymentFailureRatioHigh', 'demo-shop.checkout'],
		['demo-shop.queues/QueueDrainAboveSLA', 'demo-shop.queues'],
		['demo-shop.service-quality/SatisfactionBelowTarget', 'demo-shop.service-quality'],
		['vigil.wall/wall_screen_down', 'vigil.wall']
	]) {
		await expect(row(page, id).getByTestId('rule-group')).toHaveText(group);
	}
	await expect(row(page, 'demo-shop.availability/ProbeDown').getByTestId('count-firing')).toHaveText('1 firing');
	await expect(row(page, 'demo-shop.queues/QueueDrainAboveSLA').getByTestId('count-pending')).toHaveText('1 pending');
	await expect(row(page, 'demo-shop.checkout/PaymentFailureRatioHigh').getByTestId('rule-name')).toHaveAttribute('href', '/rules/demo-shop.checkout/PaymentFailureRatioHigh');
	await expect(page.getByTestId('live-status')).toHaveText('live');
	// A summary template reads as one, never as raw "{{ $labels.target }}": each action a placeholder
	// naming what each alert puts there.
	const summary = row(page, 'demo-shop.availability/ProbeDown').getByTestId('rule-summary');
	await expect(summary).toHaveAttribute('data-template', 'yes');
	await expect(summary.getByTestId('summary-placeholder')).toHaveText(['target']);
	await expect(summary).toHaveText('target is down');
	await expect(summary).toHaveAttribute('title', '{{ $labels.target }} is down');

	// Hostile text is text: no element made, no script run.
	const hostile = row(page, `${XSS}/HostileText`);
	await expect(hostile.getByTestId('rule-group')).toHaveText(XSS);
	await expect(hostile.getByTestId('rule-error')).toHaveText(`bad: ${XSS}`);
	await expect(hostile).toContainText(`${XSS} is down`);
	await expect(hostile.getByTestId('rule-summary')).toHaveAttribute('data-template', 'no');
	await expect(hostile.getByTestId('rule-name')).toHaveAttribute('href', `/rules/${encodeURIComponent(XSS)}/HostileText`);
	await expect(page.locator('main img')).toHaveCount(0);

	// Text search, kept in the URL.
	await page.getByLabel('Search').fill('payment');
	await expect(page.getByTestId('rule-row')).toHaveCount(1);
	await expect(page.getByTestId('rule-name')).toHaveText('PaymentFailureRatioHigh');
	await expect(page).toHaveURL(`${vigil.url}/rules?q=payment`);
	// Labels are searched too.
	await page.getByLabel('Search').fill('queue=emails');
	await expect(page.getByTestId('rule-row')).toHaveCount(0);
	await page.getByLabel('Search').fill('service=payments');
	await expect(page.getByTestId('rule-row')).toHaveCount(1);
	await page.getByLabel('Search').fill('');

	// By state: the shared link shows the same view.
	await page.getByLabel('State').selectOption('firing');
	await expect(page).toHaveURL(`${vigil.url}/rules?state=firing`);
	await expect(page.getByTestId('rule-name')).toHaveText(['ProbeDown']);
	await page.getByLabel('State').selectOption('active');
	await expect(page.getByTestId('rule-name')).toHaveText(['ProbeDown', 'QueueDrainAboveSLA']);
	await page.getByLabel('Group').selectOption('demo-shop.queues');
	await expect(page.getByTestId('rule-name')).toHaveText(['QueueDrainAboveSLA']);
	await page.goto(`${vigil.url}/rules?state=active&group=demo-shop.queues`);
	await expect(page.getByTestId('rule-name')).toHaveText(['QueueDrainAboveSLA']);
	await expect(page.getByLabel('State')).toHaveValue('active');
	await page.getByLabel('Group').selectOption('');
	await page.getByLabel('State').selectOption('firing');
	await expect(page.getByTestId('rule-name')).toHaveText(['ProbeDown']);
	await expect(page.getByTestId('live-status')).toHaveText('live');

	// Live: a rule starts firing; its row appears under the filter, without a reload.
	await page.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));
	await saveState('demo-shop.checkout/CheckoutLatencyHigh', [inst({ alertname: 'CheckoutLatencyHigh', instance: 'a' }, 'firing'), inst({ alertname: 'CheckoutLatencyHigh', instance: 'b' }, 'firing')]);
	await expect(row(page, 'demo-shop.checkout/CheckoutLatencyHigh').getByTestId('count-firing')).toHaveText('2 firing');
	// ProbeDown resolves: it leaves the firing view.
	await saveState('demo-shop.availability/ProbeDown', []);
	await expect(page.getByTestId('rule-name')).toHaveText(['CheckoutLatencyHigh'], { timeout: 5000 });
	expect(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);

	expect(dialogs).toEqual([]);
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

	// The look on a laptop screen.
	await page.getByLabel('State').selectOption('');
	await page.setViewportSize({ width: 1440, height: 900 });
	await page.screenshot({ path: 'test-results/rules-list.png' });
});

test('the hostile rule\'s page shows every piece of its text as text: no element made, no script run', async ({ page }) => {
	const id = `${XSS}/HostileText`;
	const quoted = JSON.stringify(XSS);
	// An instance and a state change whose labels and summary hold the markup, a second version
	// whose message and diff do, and a notification-log entry that names the rule.
	const labels = { alertname: 'HostileText', team: XSS, instance: XSS };
	const at = Date.now() - 60_000;
	const instance: AlertInstance = { ...inst(labels, 'firing'), annotations: { summary: `${XSS} is down` }, value: 0, firedAt: at };
	const event: AlertEvent = { ruleId: id, fingerprint: instance.fingerprint, labels, from: 'pending', to: 'firing', at, value: 0 };
	const state: RuleState = { ruleId: id, health: 'error', lastError: `bad: ${XSS}`, lastEvalAt: Date.now() - 3000, lastEvalDurationMs: 6, instances: [instance] };
	await new AlertStateStore<RuleState, AlertEvent>(client, keys).save(1, Date.now(), [{ ruleId: id, state }], [event]);
	const hostile = join(dir, 'hostile2.rules.yml');
	writeFileSync(
		hostile,
		`groups:\n  - name: ${quoted}\n    rules:\n      - alert: HostileText\n        expr: up == 0\n        labels: { team: ${quoted} }\n        annotations: { summary: ${JSON.stringify(`${XSS} is down`)}, description: ${quoted} }\n`
	);
	cli(['rules', 'import', hostile, '--author', XSS, '--message', XSS]);
	const entry = { outcome: 'failed', notification: 'n1', channel: XSS, groupKey: XSS, attempt: 1, at, error: XSS, title: `${XSS} firing`, alertStatus: 'firing', alerts: 1, rules: [id], incidentIds: [] };
	await client.xadd(keys.alerts.notify.log, '*', 'e', JSON.stringify(entry));

	const dialogs: string[] = [];
	page.on('dialog', (d) => {
		dialogs.push(d.message());
		void d.dismiss();
	});
	await login(page, `/rules/${encodeURIComponent(XSS)}/HostileText`);
	await expect(page.getByTestId('rule-title')).toHaveText(`${XSS} / HostileText`);
	await expect(page.getByTestId('rule-health')).toHaveText(`error: bad: ${XSS}`);
	await expect(page.locator('.chip')).toHaveText([`team=${XSS}`]);
	await expect(page.locator('td.annotation')).toHaveText([`${XSS} is down`, XSS]);
	const instances = page.getByTestId('rule-instances');
	await expect(instances).toContainText(`team=${quoted}, instance=${quoted}`);
	await expect(instances).toContainText(`${XSS} is down`);
	await expect(page.getByTestId('rule-bands')).toContainText(`instance=${quoted}`);
	await expect(page.getByTestId('rule-history')).toContainText(`team=${quoted}, instance=${quoted}`);
	const notifications = page.getByTestId('rule-notifications');
	await expect(notifications).toContainText(`failed: ${XSS}`);
	await expect(notifications).toContainText(`${XSS} firing`);
	const v2 = page.getByTestId('rule-version-2');
	await expect(v2).toContainText(`v2 by ${XSS}`);
	await expect(v2.locator('.vmessage')).toHaveText(XSS);
	await expect(v2.locator('pre.diff')).toContainText(`+  description: ${XSS}\n`);
	await expect(page.getByTestId('rule-version-1').locator('pre.diff')).toContainText(`+  team: ${XSS}\n`);

	// Not one element from the data anywhere in the document, and nothing ran.
	await expect(page.locator('img')).toHaveCount(0);
	await expect(page.locator('[onerror]')).toHaveCount(0);
	expect(dialogs).toEqual([]);
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
});

test("a rule's page follows its states, and a version saved elsewhere, without a reload", async ({ page }) => {
	const id = 'demo-shop.queues/QueueDrainAboveSLA';
	await login(page, '/rules/demo-shop.queues/QueueDrainAboveSLA');
	await expect(page.getByTestId('rule-live')).toHaveText('live');
	await expect(page.getByTestId('rule-counts')).toContainText('1 pending');
	await page.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));

	// The alert fires: counts and instances follow within the feed's 2 s read.
	await saveState(id, [inst({ alertname: 'QueueDrainAboveSLA', queue: 'emails' }, 'firing'), inst({ alertname: 'QueueDrainAboveSLA', queue: 'orders' }, 'pending')]);
	await expect(page.getByTestId('rule-counts')).toContainText('1 firing', { timeout: 6000 });
	await expect(page.getByTestId('rule-counts')).toContainText('1 pending');
	await expect(page.getByTestId('rule-instances')).toContainText('queue="orders"');

	// Disabled from the command line (a new version): a viewer, who has no editor, sees it at once.
	const before = await page.getByTestId('rule-version').textContent();
	cli(['rules', 'disable', id, '--author', 'ops']);
	await expect(page.getByTestId('rule-enabled')).toHaveText('disabled', { timeout: 6000 });
	await expect(page.getByTestId('rule-version')).not.toHaveText(before ?? '');
	await expect(page.getByTestId('rule-version')).toContainText('by ops');
	expect(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same)).toBe(true);
	cli(['rules', 'enable', id, '--author', 'ops']);
});
