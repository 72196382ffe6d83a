/**
 * /silences in a browser, against a running `vigil` (web role) with alert state written as the
 * alerts leader writes it: an engineer sees the alerts a silence would mute as they type, makes an
 * active and a pending silence (bad input refused, naming the field), changes them (in place when
 * pending; an active one's new matchers replace it), and expires one early; every list shows
 * matchers, creator, comment and what each mutes now. A viewer and a manager read without forms,
 * a kiosk screen is sent to the login, and hostile text stays text.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { artifact } from '../helpers/artifacts';
import { vigilCli } from '../helpers/kiosk';
import { instance, kioskIsKeptOut, login, noMarkupRan, saveAlerts, startRig, tablesKeepWords, XSS, type Rig } from '../helpers/operator-pages';

let rig: Rig;

test.beforeAll(async () => {
	test.setTimeout(90_000);
	rig = await startRig('sil');
	await saveAlerts(rig, 'shop/ProbeDown', [instance({ alertname: 'ProbeDown', service: 'payments' }), instance({ alertname: 'ProbeDown', service: 'search' })]);
	await saveAlerts(rig, 'shop/LatencyHigh', [instance({ alertname: 'LatencyHigh', service: 'payments', team: XSS }, 'pending')]);
});

test.afterAll(async () => {
	await rig?.stop();
});

const row = (page: Page, state: string, text: string) => page.getByTestId(`silences-${state}`).getByTestId('silence-row').filter({ hasText: text });

/** "2026-12-08T09:30" a day from now, in Europe/Berlin (the page's zone). */
function tomorrowInBerlin(hour: string): string {
	const d = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + 86_400_000));
	return `${d}T${hour}`;
}

test('an engineer previews, makes, changes and expires silences', async ({ page }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	await login(page, rig, 'eve', '/silences');
	await expect(page.getByRole('heading', { name: 'Silences', exact: true })).toBeVisible();
	await expect(page.getByTestId('site-nav').getByRole('link', { name: 'Silences' })).toHaveAttribute('aria-current', 'page');
	const form = page.getByTestId('silence-form');

	// The preview follows the matchers as they are typed.
	await form.getByLabel('Matchers').fill('{service="payments"}');
	await expect(page.getByTestId('preview-count')).toHaveText('2 of 3 current alerts');
	await expect(page.getByTestId('preview-alerts')).toContainText('LatencyHigh');
	await form.getByLabel('Matchers').fill('{alertname="ProbeDown"}');
	await expect(page.getByTestId('preview-count')).toHaveText('2 of 3 current alerts');
	await expect(page.getByTestId('preview-alerts')).not.toContainText('LatencyHigh');
	await form.getByLabel('Matchers').fill('{service=~".*"}');
	await expect(page.getByTestId('preview-error')).toContainText('matchers: every matcher also matches the empty string');

	// Refusals name the field and keep what was typed (a blank comment passes the browser's check, not the server's).
	await form.getByLabel(/^Comment/).fill('   ');
	await form.getByRole('button', { name: 'Make silence' }).click();
	await expect(page.getByTestId('form-error')).toContainText('matchers: every matcher also matches the empty string');
	await expect(form.getByLabel('Matchers')).toHaveValue('{service=~".*"}');
	await expect(form.getByLabel('Matchers')).toHaveAttribute('aria-invalid', 'true');
	await form.getByLabel('Matchers').fill('{service="payments"}');
	await form.getByRole('button', { name: 'Make silence' }).click();
	await expect(page.getByTestId('form-error')).toContainText('comment: required');
	await expect(form.getByLabel(/^Comment/)).toHaveAttribute('aria-invalid', 'true');
	await form.getByLabel(/^Comment/).fill(`payments deploy ${XSS}`);
	await form.getByLabel('Duration').fill('soon');
	await form.getByRole('button', { name: 'Make silence' }).click();
	await expect(page.getByTestId('form-error')).toContainText('duration: expected a duration such as "2h"');
	await form.getByLabel('Duration').fill('2h');
	await form.getByRole('button', { name: 'Make silence' }).click();
	await expect(page.getByTestId('action-message')).toContainText('(active) for {service="payments"}');

	const active = row(page, 'active', '{service="payments"}');
	await expect(active).toContainText('user:eve');
	await expect(active.getByRole('cell', { name: `payments deploy ${XSS}`, exact: true })).toBeVisible();
	await expect(active.getByTestId('silence-mutes').locator('li')).toHaveCount(2);
	await expect(active.getByTestId('silence-mutes')).toContainText(`team="${XSS.replaceAll('"', '\\"')}"`);
	await expect(active.getByRole('link', { name: 'ProbeDown' })).toHaveAttribute('href', '/rules/shop/ProbeDown');

	// A pending silence, made for tomorrow; changing it keeps its id.
	await form.getByLabel('Matchers').fill('{service="search"}');
	await form.getByLabel(/^Starts/).fill(tomorrowInBerlin('09:30'));
	await form.getByLabel('Duration').fill('1h');
	await form.getByLabel(/^Comment/).fill('search reindex');
	await form.getByRole('button', { name: 'Make silence' }).click();
	await expect(page.getByTestId('action-message')).toContainText('(pending)');
	const pending = row(page, 'pending', '{service="search"}');
	await expect(pending).toContainText(`${tomorrowInBerlin('09:30').replace('T', ' ')}:00`);
	await expect(pending.getByTestId('silence-mutes')).toContainText('ProbeDown');
	const pendingId = (await pending.getAttribute('data-id'))!;
	await pending.getByRole('link', { name: /^Edit/ }).click();
	await expect(page.getByRole('heading', { name: `Change silence ${pendingId}` })).toBeVisible();
	await expect(form.getByLabel('Matchers')).toHaveValue('{service="search"}');
	await form.getByLabel(/^Comment/).fill('search reindex, moved');
	await form.getByRole('button', { name: 'Save changes' }).click();
	await expect(page).toHaveURL(new RegExp(`saved=${pendingId}`));
	await expect(row(page, 'pending', '{service="search"}')).toHaveAttribute('data-id', pendingId);
	await expect(row(page, 'pending', '{service="search"}')).toContainText('search reindex, moved');
	await expect(row(page, 'pending', '{service="search"}')).toContainText('changed by user:eve');

	// New matchers on the active silence: it is expired now and replaced, so its history stays true.
	const activeId = (await active.getAttribute('data-id'))!;
	await active.getByRole('link', { name: /^Edit/ }).click();
	await expect(page.getByText('new matchers or a new start expire it now')).toBeVisible();
	await form.getByLabel('Matchers').fill('{service="payments", alertname="ProbeDown"}');
	await form.getByRole('button', { name: 'Save changes' }).click();
	await expect(page.getByTestId('action-message')).toContainText('Saved silence');
	const replaced = row(page, 'active', 'alertname="ProbeDown"');
	await expect(replaced).toContainText(`replaces ${activeId}`);
	await expect(replaced.getByTestId('silence-mutes').locator('li')).toHaveCount(1);
	await expect(row(page, 'expired', activeId)).toContainText('replaced by');

	// Expire early.
	await replaced.getByRole('button', { name: /^Expire silence/ }).click();
	await expect(page.getByTestId('action-message')).toContainText('its alerts notify again');
	await expect(page.getByTestId('silences-active').getByTestId('silence-row')).toHaveCount(0);
	await expect(page.getByTestId('silences-expired').getByTestId('silence-row')).toHaveCount(2);
	await noMarkupRan(page);

	await page.setViewportSize({ width: 1920, height: 1080 });
	await page.goto(`${rig.vigil.url}/silences?matchers=${encodeURIComponent('{alertname="ProbeDown"}')}`);
	await expect(page.getByTestId('preview-count')).toHaveText('2 of 3 current alerts');
	await page.screenshot({ path: artifact('silences.png') });
	// On a desktop screen and a laptop's: the tables fit the page and break no word but in comments.
	for (const width of [1920, 1280]) {
		await page.setViewportSize({ width, height: 1080 });
		await tablesKeepWords(page);
	}
});

test('the rules list links a rule\'s silence to its row on /silences', async ({ page }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	// The rule, imported as an operator does; its alerts are the ones saved above.
	const dir = mkdtempSync(join(tmpdir(), 'vigil-silences-'));
	const file = join(dir, 'shop.rules.yml');
	writeFileSync(file, 'groups:\n  - name: shop\n    rules:\n      - alert: ProbeDown\n        expr: up == 0\n');
	const r = vigilCli(rig.vigil, rig.redis.url, ['rules', 'import', file, '--author', 'ops']);
	rmSync(dir, { recursive: true, force: true });
	expect(r.code, r.err).toBe(0);
	await login(page, rig, 'eve', '/silences');
	const form = page.getByTestId('silence-form');
	await form.getByLabel('Matchers').fill('{alertname="ProbeDown", service="search"}');
	await form.getByLabel(/^Comment/).fill('linked from the rules list');
	await form.getByRole('button', { name: 'Make silence' }).click();
	await expect(page.getByTestId('action-message')).toBeVisible();
	const id = (await row(page, 'active', 'linked from the rules list').getAttribute('data-id'))!;
	await page.goto(`${rig.vigil.url}/rules`);
	const rule = page.locator('[data-testid="rule-row"][data-rule="shop/ProbeDown"]');
	await expect(rule).toContainText('silenced');
	await rule.getByRole('link', { name: id }).click();
	await expect(page).toHaveURL(new RegExp(`/silences#s-${id}$`));
	await expect(page.locator(`#s-${id}`)).toContainText('linked from the rules list');
});

test('an admin previews, makes and expires a silence, as an engineer does', async ({ page }) => {
	test.setTimeout(150_000);
	await login(page, rig, 'ada', '/silences');
	await expect(page.getByTestId('read-only')).toHaveCount(0);
	const form = page.getByTestId('silence-form');
	await form.getByLabel('Matchers').fill('{service="search"}');
	await expect(page.getByTestId('preview-count')).toHaveText('1 of 3 current alerts');
	await form.getByLabel(/^Comment/).fill(`admin on call ${XSS}`);
	await form.getByRole('button', { name: 'Make silence' }).click();
	await expect(page.getByTestId('action-message')).toContainText('(active)');
	const made = row(page, 'active', 'admin on call');
	await expect(made).toContainText('user:ada');
	await expect(made.getByRole('cell', { name: `admin on call ${XSS}`, exact: true })).toBeVisible();
	await made.getByRole('button', { name: /^Expire silence/ }).click();
	await expect(page.getByTestId('action-message')).toContainText('its alerts notify again');
	await expect(row(page, 'expired', 'admin on call')).toBeVisible();
	await expect(row(page, 'active', 'admin on call')).toHaveCount(0);
	await noMarkupRan(page);
});

test('viewers and managers read silences without forms; a kiosk screen is sent to the login', async ({ page, browser }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	const stored = await rig.client.hlen(rig.keys.alerts.silences);
	expect(stored).toBeGreaterThan(0);
	for (const user of ['vic', 'meg']) {
		await page.context().clearCookies();
		await login(page, rig, user, '/silences');
		await expect(page.getByTestId('read-only')).toBeVisible();
		await expect(page.getByTestId('silence-form')).toHaveCount(0);
		await expect(page.getByRole('button', { name: /^Expire/ })).toHaveCount(0);
		await expect(page.getByTestId('silences-expired').getByTestId('silence-row').first()).toBeVisible();
		await expect(page.getByTestId('site-nav').getByRole('link', { name: 'Silences' })).toBeVisible();
		await noMarkupRan(page);
		// The form actions themselves refuse the role (with the session's own CSRF token).
		await page.goto(`${rig.vigil.url}/`);
		const csrf = (await page.locator('input[name=csrf]').first().inputValue())!;
		const res = await page.request.post(`${rig.vigil.url}/silences?/create`, { form: { csrf, matchers: '{service="payments"}', duration: '1h', comment: 'not allowed' }, headers: { origin: rig.vigil.url } });
		expect(res.status()).toBe(403);
		expect(await res.text()).toContain('may not silences:write');
	}
	expect(await rig.client.hlen(rig.keys.alerts.silences)).toBe(stored);
	await kioskIsKeptOut(browser, rig, '/silences');
});
