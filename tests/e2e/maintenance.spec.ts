/**
 * /maintenance in a browser, against a running `vigil` (web role) with alert state written as the
 * alerts leader writes it: an engineer previews a window (the alerts it covers, whether it is open
 * and its next occurrences), makes a one-off window open now and recurring ones (weekly, cron) in
 * another time zone, with bad input refused naming the field; changes one and ends one early. A
 * viewer and a manager read without forms, a kiosk screen is sent to the login, and hostile text
 * stays text.
 */
import { expect, test, type Page } from '@playwright/test';
import { artifact } from '../helpers/artifacts';
import { instance, kioskIsKeptOut, login, noMarkupRan, saveAlerts, startRig, tablesKeepWords, XSS, type Rig } from '../helpers/operator-pages';

let rig: Rig;

test.beforeAll(async () => {
	test.setTimeout(90_000);
	rig = await startRig('mw');
	await saveAlerts(rig, 'shop/ProbeDown', [instance({ alertname: 'ProbeDown', service: 'payments' }), instance({ alertname: 'ProbeDown', service: 'search' })]);
});

test.afterAll(async () => {
	await rig?.stop();
});

/** "2026-12-07T10:05": the local minute in Europe/Berlin `offsetMs` from now. */
function berlin(offsetMs: number): string {
	const p = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(Date.now() + offsetMs));
	const v = (t: string) => p.find((x) => x.type === t)!.value;
	return `${v('year')}-${v('month')}-${v('day')}T${v('hour')}:${v('minute')}`;
}

const row = (page: Page, state: string, text: string) => page.getByTestId(`windows-${state}`).getByTestId('window-row').filter({ hasText: text });
const HOUR = 3_600_000;

test('an engineer previews, makes one-off and recurring windows, changes one and ends one early', async ({ page }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	await login(page, rig, 'eve', '/maintenance');
	await expect(page.getByRole('heading', { name: 'Maintenance windows' })).toBeVisible();
	const form = page.getByTestId('window-form');
	await expect(form.getByLabel('Time zone')).toHaveValue('Europe/Berlin');

	// The preview: what the matchers cover now, and (once the schedule is complete) when it opens.
	await form.getByLabel('Name').fill(`payments DB move ${XSS}`);
	await form.getByLabel('Matchers').fill('{service="payments"}');
	await expect(page.getByTestId('preview-count')).toHaveText('1 of 2 current alerts');
	await form.getByLabel(/^Starts/).fill(berlin(-HOUR));
	await form.getByLabel('Ends').fill(berlin(2 * HOUR));
	await expect(page.getByTestId('window-preview')).toContainText('Open now; then');

	// Refusals name the field.
	await form.getByLabel('Time zone').fill('Mars/Olympus');
	await form.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('form-error')).toContainText('timeZone: unknown time zone "Mars/Olympus"');
	await expect(form.getByLabel('Time zone')).toHaveAttribute('aria-invalid', 'true');
	await form.getByLabel('Time zone').fill('Europe/Berlin');
	await form.getByLabel('Ends').fill(berlin(-2 * HOUR));
	await form.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('form-error')).toContainText('schedule.end: must be after start');
	await expect(form.getByLabel('Ends')).toHaveAttribute('aria-invalid', 'true');
	await form.getByLabel('Ends').fill(berlin(2 * HOUR));
	await form.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('action-message')).toContainText('(active)');
	const open = row(page, 'active', 'payments DB move');
	await expect(open.locator('strong')).toHaveText(`payments DB move ${XSS}`);
	await expect(open.getByTestId('window-covers').locator('li')).toHaveCount(1);
	await expect(open.getByTestId('window-covers')).toContainText('service="payments"');
	await expect(open).toContainText('user:eve');

	// Weekly, in New York; a bad time first.
	await form.getByLabel('Name').fill('Sunday database upkeep');
	await form.getByLabel('Matchers').fill('{service="search"}');
	await form.getByLabel('Time zone').fill('America/New_York');
	await form.getByLabel('weekly').check();
	await form.getByLabel('sun').check();
	await form.getByLabel('From (HH:MM)').fill('25:00');
	await form.getByLabel(/^To \(HH:MM/).fill('04:00');
	await form.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('form-error')).toContainText('schedule.start: expected a local time "HH:MM"');
	await form.getByLabel('From (HH:MM)').fill('02:00');
	await expect(page.getByTestId('preview-occurrences').locator('li')).toHaveCount(5);
	await form.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('action-message')).toContainText('"Sunday database upkeep" (scheduled)');
	const weekly = row(page, 'scheduled', 'Sunday database upkeep');
	await expect(weekly).toContainText('weekly on sun, 02:00 to 04:00');
	await expect(weekly).toContainText('America/New_York');
	await expect(weekly.getByTestId('window-covers')).toContainText('service="search"');

	// Cron.
	await form.getByLabel('Name').fill('nightly batch');
	await form.getByLabel('Matchers').fill('{alertname="ProbeDown", service="search"}');
	await form.getByLabel('cron').check();
	await form.getByLabel(/^Cron/).fill('0 3 * * *');
	await form.getByLabel('Open for').fill('1h');
	await form.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('action-message')).toContainText('"nightly batch" (scheduled)');
	await expect(row(page, 'scheduled', 'nightly batch')).toContainText('cron "0 3 * * *" for 1h');

	// A window not open yet changes in place.
	const weeklyId = (await weekly.getAttribute('data-id'))!;
	await weekly.getByRole('link', { name: /^Edit/ }).click();
	await expect(page.getByRole('heading', { name: `Change maintenance window ${weeklyId}` })).toBeVisible();
	await expect(form.getByLabel('sun')).toBeChecked();
	await expect(form.getByLabel('From (HH:MM)')).toHaveValue('02:00');
	await form.getByLabel('Name').fill('Sunday database upkeep (longer)');
	await form.getByLabel(/^To \(HH:MM/).fill('05:00');
	await form.getByRole('button', { name: 'Save changes' }).click();
	await expect(page).toHaveURL(new RegExp(`saved=${weeklyId}`));
	await expect(row(page, 'scheduled', '(longer)')).toHaveAttribute('data-id', weeklyId);
	await expect(row(page, 'scheduled', '(longer)')).toContainText('02:00 to 05:00');

	// End the open one early.
	await open.getByRole('button', { name: /^End window/ }).click();
	await expect(page.getByTestId('action-message')).toContainText('its alerts notify again');
	await expect(page.getByTestId('windows-active').getByTestId('window-row')).toHaveCount(0);
	await expect(row(page, 'ended', 'payments DB move')).toBeVisible();
	await noMarkupRan(page);

	await page.goto(`${rig.vigil.url}/maintenance`);
	await page.getByTestId('window-form').getByLabel('Matchers').fill('{alertname="ProbeDown"}');
	await expect(page.getByTestId('preview-count')).toHaveText('2 of 2 current alerts');
	await page.screenshot({ path: artifact('maintenance.png') });
	// On a desktop screen and a laptop's: the tables fit the page and break no word but in names.
	for (const width of [1920, 1280]) {
		await page.setViewportSize({ width, height: 1080 });
		await tablesKeepWords(page);
	}
});

test('an admin makes a window open now and ends it, as an engineer does', async ({ page }) => {
	test.setTimeout(150_000);
	await login(page, rig, 'ada', '/maintenance');
	await expect(page.getByTestId('read-only')).toHaveCount(0);
	const form = page.getByTestId('window-form');
	await form.getByLabel('Name').fill(`admin upkeep ${XSS}`);
	await form.getByLabel('Matchers').fill('{service="search"}');
	await expect(page.getByTestId('preview-count')).toHaveText('1 of 2 current alerts');
	await form.getByLabel(/^Starts/).fill(berlin(-HOUR));
	await form.getByLabel('Ends').fill(berlin(HOUR));
	await form.getByRole('button', { name: 'Make window' }).click();
	await expect(page.getByTestId('action-message')).toContainText('(active)');
	const open = row(page, 'active', 'admin upkeep');
	await expect(open.locator('strong')).toHaveText(`admin upkeep ${XSS}`);
	await expect(open).toContainText('user:ada');
	await expect(open.getByTestId('window-covers')).toContainText('service="search"');
	await open.getByRole('button', { name: /^End window/ }).click();
	await expect(page.getByTestId('action-message')).toContainText('its alerts notify again');
	await expect(row(page, 'ended', 'admin upkeep')).toBeVisible();
	await noMarkupRan(page);
});

test('viewers and managers read windows without forms; a kiosk screen is sent to the login', async ({ page, browser }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	const stored = await rig.client.hlen(rig.keys.alerts.windows);
	expect(stored).toBeGreaterThan(0);
	for (const user of ['vic', 'meg']) {
		await page.context().clearCookies();
		await login(page, rig, user, '/maintenance');
		await expect(page.getByTestId('read-only')).toBeVisible();
		await expect(page.getByTestId('window-form')).toHaveCount(0);
		await expect(page.getByRole('button', { name: /^End/ })).toHaveCount(0);
		await expect(page.getByTestId('windows-scheduled').getByTestId('window-row').first()).toBeVisible();
		await noMarkupRan(page);
		await page.goto(`${rig.vigil.url}/`);
		const csrf = await page.locator('input[name=csrf]').first().inputValue();
		const res = await page.request.post(`${rig.vigil.url}/maintenance?/create`, { form: { csrf, name: 'x', matchers: '{service="x"}', timeZone: 'UTC', kind: 'cron', cron: '0 3 * * *', cronDuration: '1h' }, headers: { origin: rig.vigil.url } });
		expect(res.status()).toBe(403);
		expect(await res.text()).toContain('may not windows:write');
	}
	expect(await rig.client.hlen(rig.keys.alerts.windows)).toBe(stored);
	await kioskIsKeptOut(browser, rig, '/maintenance');
});
