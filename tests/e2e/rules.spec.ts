/**
 * An engineer tunes the demo's payment-failure rule in the browser, against the demo shop and six
 * hours of payment history with failure bursts: sees its chart and its history, raises its
 * threshold in the editor (a typo is marked where it is), previews the draft against history
 * (fewer notifications), saves it (the new version, its diff, the next evaluation uses it), rolls
 * back, silences it for 30 minutes (shown on /rules, its notification muted), and exports a rule
 * test from an incident that `vigil rules test` passes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { logIn } from '../helpers/browser-session';
import { runCli } from '../helpers/cli';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis-server';
import { PAYMENT_RULE, writePaymentHistory, type PaymentHistory } from '../helpers/rule-history';
import { addVigilUser, shippedDemoConfig, startVigilProcess, VIGIL_BIN, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
let history: PaymentHistory;
const PASSWORD = 'rules page password';
const prefix = `rul${Math.random().toString(36).slice(2, 8)}:`;
const RULE_PATH = `/rules/${PAYMENT_RULE.split('/').map(encodeURIComponent).join('/')}`;
const RULE_API = `/api/v1${RULE_PATH}`;

const addUser = (name: string, role: string) => addVigilUser(vigil, redis.url, name, role, PASSWORD);

async function login(page: Page, name: string, next: string): Promise<void> {
	await logIn(page, vigil.url, name, PASSWORD, next);
	await expect(page).not.toHaveURL(/\/login/);
}

/** The rule as the API gives it, read with the page's session. */
async function detail(page: Page): Promise<{ rule: { version: number; spec: { expr: string } }; state: { lastEvalAt?: number; instances: Array<{ state: string; labels: Record<string, string>; annotations: Record<string, string> }> } | null }> {
	const res = await page.request.get(`${vigil.url}${RULE_API}`);
	expect(res.status()).toBe(200);
	return res.json();
}

/** Replaces the text of the expression editor (CodeMirror) as a person would: select all, type. */
async function setExpression(page: Page, text: string): Promise<void> {
	const editor = page.getByTestId('rule-form').getByTestId('rule-expr').locator('.cm-content');
	await editor.click();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.insertText(text);
}

test.beforeAll(async () => {
	test.setTimeout(120_000);
	redis = await startTestRedis();
	history = await writePaymentHistory(redis.url, prefix, Date.now());
	const shopPort = await freePort();
	// The shipped demo config, with notifications sent one second after an alert fires.
	const config = shippedDemoConfig(shopPort, prefix).replace(/group_wait: \S+/, 'group_wait: 1s');
	vigil = await startVigilProcess({ config, redisUrl: redis.url });
	addUser('erin', 'engineer');
	addUser('vic', 'viewer');
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

test('an engineer tunes the payment-failure rule: chart, editor, preview, save, rollback, silence, test export', async ({ page }) => {
	test.setTimeout(240_000);
	await page.setViewportSize({ width: 1440, height: 900 });
	await login(page, 'erin', RULE_PATH);

	// 1. The rule's chart over the last 6 hours with its lines, and its history.
	await expect(page.getByTestId('rule-title')).toContainText('PaymentFailureRatioHigh');
	const chart = page.getByTestId('rule-chart');
	await expect(chart).toHaveAttribute('data-threshold', '0.1');
	await expect(chart).toHaveAttribute('data-clear', '0.02');
	expect(Number(await chart.getAttribute('data-series'))).toBeGreaterThanOrEqual(1);
	// Six bursts replayed (pending, firing and resolved each), and the live burst's changes.
	await expect(page.getByTestId('rule-history').locator('tbody tr').nth(history.events - 1)).toBeVisible();
	await expect(page.getByTestId('rule-history')).toContainText('pending → firing');
	await expect(page.getByTestId('rule-bands').locator('rect[data-state="firing"]')).toHaveCount(6);
	await page.screenshot({ path: 'test-results/rule-page.png', fullPage: true });

	// 2. Raise the threshold; a typo is marked at its place in the expression.
	const expr = (await detail(page)).rule.spec.expr;
	expect(expr).toContain('> 0.1');
	await setExpression(page, expr.replace('> 0.1', '> 0.2').replace('rate(shop_payment_failures_total', 'rate(shop_payment_failures_total{'));
	const form = page.getByTestId('rule-form');
	await expect(form.getByTestId('rule-expr')).toContainText(/unexpected|expected/i, { timeout: 5000 });
	await expect(form.locator('.cm-lintRange-error').first()).toBeVisible();
	await page.screenshot({ path: 'test-results/rule-editor-typo.png' });
	await setExpression(page, expr.replace('> 0.1', '> 0.2'));
	const summary = form.getByLabel('Value of annotation summary');
	await summary.fill('{{ $value | humanizePercentage }} of payments fail (tuned threshold 20 %)');
	await expect(form.getByTestId('rule-form-status')).toContainText(/valid|no problem/i, { timeout: 5000 });

	// 3. The preview replays both versions over the last 6 hours: fewer notifications for the draft.
	await page.getByTestId('backtest-window-6h').check();
	await page.getByTestId('backtest-run').click();
	await expect(page.getByTestId('backtest-done')).toBeVisible({ timeout: 30_000 });
	const current = Number((await page.getByTestId('backtest-notifications-current').textContent())!.replace(/,/g, ''));
	const drafted = Number((await page.getByTestId('backtest-notifications-draft').textContent())!.replace(/,/g, ''));
	expect(drafted).toBeLessThan(current);
	await expect(page.getByTestId('backtest-notifications')).toContainText(`draft: ${drafted} notification${drafted === 1 ? '' : 's'} instead of ${current}`);
	await expect(page.getByTestId('backtest-spans').locator('rect[data-state="firing"]').first()).toBeVisible();
	await page.screenshot({ path: 'test-results/rule-preview.png', fullPage: true });

	// 4. Save: a new version with its diff, and the next evaluation uses it.
	const before = await detail(page);
	await page.getByTestId('rule-comment').fill('fewer pages for short bursts');
	const savedAt = Date.now();
	await page.getByTestId('rule-save').click();
	await expect(page.getByTestId('rule-outcome')).toContainText('Saved');
	const v2 = before.rule.version + 1;
	const version = page.getByTestId(`rule-version-${v2}`);
	await expect(version).toContainText('fewer pages for short bursts');
	await expect(version.locator('.d-del')).toContainText(['> 0.1']);
	await expect(version.locator('.d-add').filter({ hasText: '> 0.2' })).toHaveCount(1);
	await expect
		.poll(
			async () => {
				const d = await detail(page);
				return (d.state?.lastEvalAt ?? 0) > savedAt && d.state!.instances.some((i) => i.labels.instance === 'history' && /tuned threshold/.test(i.annotations.summary ?? ''));
			},
			{ timeout: 40_000, message: 'the next evaluation renders the new version\'s summary' }
		)
		.toBe(true);

	// 5. Roll back to the first version: a third version with the old expression.
	// It asks first: cancelling changes nothing; confirming with a comment keeps the comment.
	await page.getByTestId(`rule-rollback-${before.rule.version}`).click();
	await expect(page.getByTestId('rollback-confirm')).toContainText(`Make v${before.rule.version} current again, as v${v2 + 1}?`);
	await page.getByTestId('rollback-cancel').click();
	await expect(page.getByTestId('rollback-confirm')).toHaveCount(0);
	expect((await detail(page)).rule.version).toBe(v2);
	await page.getByTestId(`rule-rollback-${before.rule.version}`).click();
	await page.getByTestId('rollback-comment').fill('the tuned threshold pages at night, <b>erin</b>');
	await page.getByTestId('rollback-submit').click();
	await expect(page.getByTestId('rule-outcome')).toContainText('Rolled back');
	await expect(page.getByTestId(`rule-version-${v2 + 1}`)).toBeVisible();
	await expect(page.getByTestId(`rule-version-${v2 + 1}`).locator('.vmessage')).toHaveText(`roll back to version ${before.rule.version}: the tuned threshold pages at night, <b>erin</b>`);
	expect((await detail(page)).rule.spec.expr).toBe(expr);

	// 6. Silence it for 30 minutes: shown on the rule, on /rules, and its notification is muted.
	await page.getByTestId('rule-silence').click();
	await expect(page.getByTestId('silence-matchers')).toHaveValue(/alertname="PaymentFailureRatioHigh"/);
	await page.getByTestId('silence-duration').selectOption('30m');
	await page.getByTestId('silence-comment').fill('tuning in progress, erin');
	await page.getByTestId('silence-submit').click();
	await expect(page.getByTestId('silence-done')).toContainText('Silenced for 30m');
	await expect(page.getByTestId('rule-silenced')).toBeVisible();
	await page.goto(`${vigil.url}/rules`);
	const row = page.getByTestId('rule-row').filter({ hasText: 'PaymentFailureRatioHigh' });
	await expect(row).toContainText(/silenced/i);

	// 7. Export a rule test from the incident of the big burst; `vigil rules test` passes on it.
	await page.goto(`${vigil.url}/incidents/${history.incident}`);
	const download = page.waitForEvent('download');
	await page.getByTestId('incident-test-export').first().click();
	const testFile = await download;
	const dir = mkdtempSync(join(tmpdir(), 'vigil-rule-test-'));
	await testFile.saveAs(join(dir, testFile.suggestedFilename()));
	const exported = await page.request.get(`${vigil.url}${RULE_API}/test-export?incident=${history.incident}`);
	expect(exported.status()).toBe(200);
	const pair = (await exported.json()) as { ruleFileName: string; ruleFile: string; testFileName: string; alerts: number };
	expect(testFile.suggestedFilename()).toBe(pair.testFileName);
	expect(pair.alerts).toBeGreaterThan(0);
	writeFileSync(join(dir, pair.ruleFileName), pair.ruleFile);
	const run = spawnSync(process.execPath, [VIGIL_BIN, 'rules', 'test', join(dir, pair.testFileName)], { encoding: 'utf8' });
	expect(run.status, run.stdout + run.stderr).toBe(0);

	// The silence holds the rule's first notification back: the alert fires 2 minutes (`for: 2m`)
	// after Vigil first saw the burst, after the silence was made.
	await expect
		.poll(
			async () => {
				const res = await page.request.get(`${vigil.url}/api/v1/notifications?rule=${encodeURIComponent(PAYMENT_RULE)}`);
				const body = (await res.json()) as { entries: Array<{ outcome: string }> };
				return body.entries.map((e) => e.outcome);
			},
			{ timeout: 150_000, intervals: [2000], message: 'the rule\'s notification is muted by the silence' }
		)
		.toContain('muted');
	const log = (await (await page.request.get(`${vigil.url}/api/v1/notifications?rule=${encodeURIComponent(PAYMENT_RULE)}`)).json()) as { entries: Array<{ outcome: string }> };
	expect(log.entries.map((e) => e.outcome)).not.toContain('sent');
	const silences = (await (await page.request.get(`${vigil.url}/api/v1/silences`)).json()) as { silences: Array<{ startsAt: number; comment: string }> };
	const made = silences.silences.find((s) => s.comment === 'tuning in progress, erin')!;
	const fired = (await detail(page)).state!.instances.find((i) => i.labels.instance === 'history' && i.state === 'firing') as { firedAt?: number } | undefined;
	expect(fired?.firedAt, 'the history instance fires').toBeDefined();
	expect(fired!.firedAt!, 'the walk made the silence before the alert fired').toBeGreaterThan(made.startsAt);
});

test('a viewer reads the rule page without the editor or its actions', async ({ page }) => {
	await login(page, 'vic', RULE_PATH);
	await expect(page.getByTestId('rule-title')).toContainText('PaymentFailureRatioHigh');
	await expect(page.getByTestId('rule-chart')).toBeVisible();
	await expect(page.getByTestId('rule-versions')).toBeVisible();
	for (const id of ['rule-form', 'rule-save', 'rule-disable', 'rule-enable', 'rule-silence', 'backtest']) await expect(page.getByTestId(id)).toHaveCount(0);
	await expect(page.locator('[data-testid^="rule-rollback-"]')).toHaveCount(0);
	// The API refuses the viewer's own token too: the page hides nothing the API would allow.
	const made = runCli({ redisUrl: redis.url, configFile: vigil.configFile }, ['token', 'create', '--name', 'vic-token', '--user', 'vic']);
	expect(made.code, made.err).toBe(0);
	const token = made.out.split('\n')[0]!.trim();
	const put = await fetch(`${vigil.url}${RULE_API}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ yaml: 'alert: PaymentFailureRatioHigh\nexpr: vector(1)\n' }) });
	expect(put.status).toBe(403);
	expect(((await put.json()) as { error: string }).error).toMatch(/role \(viewer\) may not/);
});

test('an engineer editing a rule is told of a version saved elsewhere, and the draft stays until they load it', async ({ page }) => {
	const id = 'demo-shop.queues/QueueDrainAboveSLA';
	await login(page, 'erin', '/rules/demo-shop.queues/QueueDrainAboveSLA');
	await expect(page.getByTestId('rule-live')).toHaveText('live');
	await expect(page.getByTestId('rule-enabled')).toHaveText('enabled');
	await page.getByLabel('For', { exact: true }).fill('7m');

	const cli = (args: string[]) => runCli({ redisUrl: redis.url, configFile: vigil.configFile }, ['rules', ...args, id, '--author', 'ops']);
	expect(cli(['disable']).code).toBe(0);
	await expect(page.getByTestId('rule-newer-version')).toContainText('was saved since this page loaded', { timeout: 6000 });
	await expect(page.getByLabel('For', { exact: true })).toHaveValue('7m');
	await expect(page.getByTestId('rule-enabled')).toHaveText('enabled');
	await page.setViewportSize({ width: 1440, height: 900 });
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: 'test-results/rule-newer-version.png' });

	await page.getByTestId('rule-load-newer').click();
	await expect(page.getByTestId('rule-enabled')).toHaveText('disabled');
	await expect(page.getByTestId('rule-newer-version')).toHaveCount(0);
	expect(cli(['enable']).code).toBe(0);
});
