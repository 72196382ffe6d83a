/**
 * /notifications in a browser, against a running `vigil` (web role) with a provisioned channel
 * (from the config, its URL from the environment), a route tree, and a notification log written as
 * the sender writes it: an admin sees channels (the provisioned one read-only) with their counts,
 * the route tree with what each route matched, and the log per channel; adds a webhook channel
 * (bad input refused naming the field; its URL and header never shown back), sends tests (one
 * delivered, one refused by the receiver), changes it keeping its secrets, and deletes it. Other
 * roles read without forms and are refused the actions; a kiosk screen is sent to the login.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { NotificationOutbox, type LogInput } from '../../src/lib/server/alerting/notify';
import { newSecretKey } from '../../src/lib/server/alerting/notify';
import { artifact } from '../helpers/artifacts';
import { kioskIsKeptOut, login, noMarkupRan, startRig, tablesKeepWords, XSS, type Rig } from '../helpers/operator-pages';

let rig: Rig;
let receiver: Server;
let base = '';
const got: Array<{ path: string; body: Record<string, unknown> }> = [];

test.beforeAll(async () => {
	test.setTimeout(90_000);
	receiver = createServer((req, res) => {
		let text = '';
		req.on('data', (d: Buffer) => (text += d.toString()));
		req.on('end', () => {
			got.push({ path: req.url ?? '', body: JSON.parse(text || '{}') as Record<string, unknown> });
			res.writeHead(req.url?.startsWith('/pager') ? 500 : 200).end();
		});
	});
	await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
	base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
	rig = await startRig(
		'nt',
		`notifications:
  allowPrivate: ["127.0.0.1"]
  channels:
    - { name: pager, type: webhook, urlEnv: PAGER_URL }
  route:
    receiver: log
    group_by: [service]
    routes:
      - { matchers: ['severity="critical"'], receiver: pager, group_wait: 10s }
`,
		{ PAGER_URL: `${base}/pager/provisioned-secret`, VIGIL_SECRET_KEY: newSecretKey() }
	);
	// The log as the sender and the dispatcher write it.
	const outbox = new NotificationOutbox(rig.client, rig.keys);
	const now = Date.now();
	const entry = (e: Partial<LogInput>): LogInput => ({ outcome: 'sent', notification: 'n1', channel: 'pager', groupKey: '0.0:{service="payments"}', attempt: 1, at: now - 60_000, title: `[FIRING:1] ${XSS}`, alertStatus: 'firing', alerts: 1, rules: ['shop/ProbeDown'], incidentIds: ['INC-1'], status: 200, durationMs: 12, ...e });
	await outbox.logOnly(entry({ outcome: 'retry', status: 503, at: now - 70_000 }));
	await outbox.logOnly(entry({ attempt: 2 }));
	await outbox.logOnly(entry({ outcome: 'muted', notification: '', channel: 'log', groupKey: '0:{service="search"}', attempt: 0, at: now - 50_000, title: '1 firing alert(s) muted', silences: ['abcDEF123'], incidentIds: [], status: undefined, durationMs: undefined }));
});

test.afterAll(async () => {
	await rig?.stop();
	await new Promise((r) => receiver?.close(r));
});

const channel = (page: Page, name: string) => page.locator(`[data-testid="channel-row"][data-name="${name}"]`);
const cell = (page: Page, name: string, n: number) => channel(page, name).getByRole('cell').nth(n);

test('an admin reads channels, routes and the log, adds a channel, tests, changes and deletes it', async ({ page }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	await login(page, rig, 'ada', '/notifications');
	await expect(page.getByRole('heading', { name: 'Notifications', exact: true })).toBeVisible();

	// The provisioned channel: read-only, its URL masked, its counts from the log.
	const pager = channel(page, 'pager');
	await expect(pager).toContainText('from the config file: read-only here');
	await expect(channel(page, 'log')).toContainText("built in: writes to Vigil's own log");
	await expect(pager).toContainText(base);
	await expect(pager.getByRole('link', { name: /^Edit/ })).toHaveCount(0);
	await expect(cell(page, 'pager', 4)).toHaveText('1');
	await expect(cell(page, 'pager', 6)).toHaveText('1');
	await expect(cell(page, 'log', 7)).toHaveText('1');

	// The route tree, and what each route matched.
	await expect(page.locator('[data-route="0"]')).toContainText('every alert');
	await expect(page.locator('[data-route="0"] [data-testid="route-matched"]')).toContainText('0 notifications, 1 muted');
	await expect(page.locator('[data-route="0.0"]')).toContainText('severity="critical"');
	await expect(page.locator('[data-route="0.0"] [data-testid="route-matched"]')).toContainText('1 notification');
	await expect(page.locator('[data-route="0.0"] [data-testid="route-matched"]')).toContainText('{service="payments"}');

	// The log, all and per channel; titles from alert labels are text.
	await expect(page.getByTestId('log-row')).toHaveCount(3);
	await expect(page.getByTestId('log-row').first()).toContainText('silence abcDEF123');
	await expect(page.getByTestId('log-table').getByText(`[FIRING:1] ${XSS}`).first()).toBeVisible();
	await page.getByLabel('Channel', { exact: true }).selectOption('pager');
	await page.getByRole('button', { name: 'Show' }).click();
	await expect(page).toHaveURL(/channel=pager/);
	await expect(page.getByTestId('log-row')).toHaveCount(2);
	await expect(page.getByTestId('log-row').last()).toContainText('HTTP 503');

	// Adding a channel: bad input first, each refusal naming its field.
	const add = page.getByTestId('channel-create');
	await add.getByLabel('Channel name').fill('ops hook');
	await add.getByLabel(/^URL/).fill(`${base}/hook/secret-token-path`);
	await add.getByRole('button', { name: 'Add channel' }).click();
	await expect(page.getByTestId('create-error')).toContainText('name: expected 1-64 letters');
	await add.getByLabel('Channel name').fill('ops-hook');
	await add.getByLabel(/^URL/).fill('http://10.1.2.3/hook');
	await add.getByRole('button', { name: 'Add channel' }).click();
	await expect(page.getByTestId('create-error')).toContainText('url:');
	await expect(page.getByTestId('create-error')).toContainText('notifications.allowPrivate');
	await add.getByLabel(/^URL/).fill(`${base}/hook/secret-token-path`);
	await add.getByLabel(/^Headers/).fill('no colon here');
	await add.getByRole('button', { name: 'Add channel' }).click();
	await expect(page.getByTestId('create-error')).toContainText('headers: line 1: expected "Name: value"');
	// A refusal gives back the name, never the URL or headers.
	await expect(add.getByLabel('Channel name')).toHaveValue('ops-hook');
	await add.getByLabel(/^URL/).fill(`${base}/hook/secret-token-path`);
	await add.getByLabel(/^Headers/).fill('Authorization: Bearer s3cret-value');
	await add.getByRole('button', { name: 'Add channel' }).click();
	await expect(page.getByTestId('create-message')).toContainText('Added channel ops-hook');
	await expect(channel(page, 'ops-hook')).toContainText('headers: Authorization (values hidden)');
	await expect(channel(page, 'ops-hook')).toContainText('added by user:ada');
	await page.reload();
	expect(await page.content()).not.toContain('secret-token-path');
	expect(await page.content()).not.toContain('s3cret-value');
	expect(await page.content()).not.toContain('provisioned-secret');

	// Send a test: delivered to the receiver, in the log and the counts.
	await channel(page, 'ops-hook').getByRole('button', { name: 'Send a test to ops-hook' }).click();
	await expect(page.getByTestId('channels-message')).toContainText('Test sent to ops-hook: HTTP 200');
	expect(got.at(-1)).toMatchObject({ path: '/hook/secret-token-path', body: { commonLabels: { alertname: 'VigilTestNotification' } } });
	await expect(cell(page, 'ops-hook', 4)).toHaveText('1');
	// The provisioned one answers 500: the page says so and counts it.
	await channel(page, 'pager').getByRole('button', { name: 'Send a test to pager' }).click();
	await expect(page.getByTestId('channels-error')).toContainText('Test to pager failed: the receiver answered 500');
	await expect(cell(page, 'pager', 5)).toHaveText('1');

	// Change it without giving the URL again: the stored URL and header are kept.
	await channel(page, 'ops-hook').getByRole('link', { name: 'Edit channel ops-hook' }).click();
	const edit = page.getByTestId('channel-edit');
	await expect(edit.getByLabel(/^URL/)).toHaveValue('');
	await expect(edit.getByLabel(/^URL/)).toHaveAttribute('placeholder', `stored: ${base}/…`);
	await edit.getByLabel('send resolved').uncheck();
	await edit.getByRole('button', { name: 'Save ops-hook' }).click();
	await expect(page.getByTestId('channels-message')).toContainText('Saved channel ops-hook (URL and headers kept)');
	await expect(channel(page, 'ops-hook')).toContainText('firing only');
	const before = got.length;
	await channel(page, 'ops-hook').getByRole('button', { name: 'Send a test to ops-hook' }).click();
	await expect(page.getByTestId('channels-message')).toContainText('HTTP 200');
	expect(got.length).toBe(before + 1);
	expect(got.at(-1)!.path).toBe('/hook/secret-token-path');

	// A Slack channel: the test goes out in Slack's shape.
	await add.getByLabel('Channel name').fill('ops-slack');
	await add.getByLabel('Type').selectOption('slack');
	await add.getByLabel(/^URL/).fill(`${base}/slack/T000/B000/xyz`);
	await add.getByRole('button', { name: 'Add channel' }).click();
	await expect(page.getByTestId('create-message')).toContainText('Added channel ops-slack (slack');
	await channel(page, 'ops-slack').getByRole('button', { name: 'Send a test to ops-slack' }).click();
	await expect(page.getByTestId('channels-message')).toContainText('Test sent to ops-slack: HTTP 200');
	expect(got.at(-1)!.path).toBe('/slack/T000/B000/xyz');
	expect(got.at(-1)!.body).toHaveProperty('blocks');
	expect(String(got.at(-1)!.body.text)).toContain('VigilTestNotification');

	await page.goto(`${rig.vigil.url}/notifications`);
	await page.screenshot({ path: artifact('notifications.png') });
	// On a desktop screen and a laptop's: the tables fit the page and break no word but in free text.
	for (const width of [1920, 1280]) {
		await page.setViewportSize({ width, height: 1080 });
		await tablesKeepWords(page);
	}
	await page.setViewportSize({ width: 1920, height: 1080 });

	await channel(page, 'ops-hook').getByText('Delete…').click();
	await channel(page, 'ops-hook').getByRole('button', { name: 'Delete ops-hook' }).click();
	await expect(page.getByTestId('channels-message')).toContainText('Deleted channel ops-hook');
	await expect(channel(page, 'ops-hook')).toHaveCount(0);
	await noMarkupRan(page);
});

test('other roles read the page without forms and may not change channels; a kiosk screen is sent to the login', async ({ page, browser }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	for (const user of ['vic', 'eve', 'meg']) {
		await page.context().clearCookies();
		await login(page, rig, user, '/notifications');
		await expect(page.getByTestId('read-only')).toBeVisible();
		await expect(page.getByTestId('channel-create')).toHaveCount(0);
		await expect(page.getByRole('button', { name: /^Send a test/ })).toHaveCount(0);
		await expect(channel(page, 'pager')).toBeVisible();
		await expect(page.getByTestId('route-row')).toHaveCount(2);
		await noMarkupRan(page);
		await page.goto(`${rig.vigil.url}/`);
		const csrf = await page.locator('input[name=csrf]').first().inputValue();
		const sent = got.length;
		const res = await page.request.post(`${rig.vigil.url}/notifications?/test`, { form: { csrf, name: 'pager' }, headers: { origin: rig.vigil.url } });
		expect(res.status()).toBe(403);
		expect(await res.text()).toContain('may not channels:write');
		expect(got.length).toBe(sent);
	}
	await kioskIsKeptOut(browser, rig, '/notifications');
});
