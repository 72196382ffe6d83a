import { expect, test, type Page } from '@playwright/test';
import { logIn } from '../helpers/browser-session';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { addVigilUser, demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
const PASSWORD = 'admin page password';
const XSS = '<img src=x onerror="window.__xss=1">';

const addUser = (name: string, role: string) => addVigilUser(vigil, redis.url, name, role, PASSWORD);

const login = (page: Page, name: string, next = '/') => logIn(page, vigil.url, name, PASSWORD, next);

test.beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	addUser('ada', 'admin');
	addUser('vic', 'viewer');
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

test('an admin manages users and kiosk links on /admin, and the audit log shows it', async ({ page }) => {
	const violations: string[] = [];
	page.on('console', (m) => {
		if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
	});
	page.on('pageerror', (e) => violations.push(e.message));

	await page.goto(`${vigil.url}/admin`);
	await expect(page).toHaveURL(/\/login\?next=%2Fadmin$/);
	await login(page, 'ada', '/admin');
	await expect(page).toHaveURL(/\/admin$/);
	for (const name of ['Users', 'API tokens', 'Kiosk links', 'Audit log']) await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();

	// A user made through the form is listed, and its creation is in the audit log by the admin.
	const add = page.locator('form[action="?/addUser"]');
	await add.getByLabel('User name').fill('bea');
	await add.getByLabel('Role').selectOption('engineer');
	// The password is asked twice: two that differ make no user.
	await add.getByLabel('Password (at least 10 characters)').fill('a long enough password');
	await add.getByLabel('Password again').fill('a long enough pasword');
	await add.getByRole('button', { name: 'Add user' }).click();
	await expect(page.getByTestId('users-error')).toContainText('password: the two passwords differ');
	await expect(page.getByTestId('user-row').filter({ has: page.getByRole('cell', { name: 'bea', exact: true }) })).toHaveCount(0);
	await add.getByLabel('User name').fill('bea');
	await add.getByLabel('Role').selectOption('engineer');
	await add.getByLabel('Password (at least 10 characters)').fill('a long enough password');
	await add.getByLabel('Password again').fill('a long enough password');
	await add.getByRole('button', { name: 'Add user' }).click();
	await expect(page.getByTestId('users-message')).toHaveText('added bea (engineer)');
	const bea = page.getByTestId('user-row').filter({ has: page.getByRole('cell', { name: 'bea', exact: true }) });
	await expect(bea).toContainText('engineer');
	const created = page.getByTestId('audit-row').filter({ hasText: 'user.create' }).filter({ hasText: 'bea' });
	await expect(created).toContainText('user:ada');
	await expect(created).toContainText('role=engineer');

	// Changing a role and deleting (after the confirmation) are audited too.
	await bea.getByLabel('New role of bea').selectOption('manager');
	await bea.getByRole('button', { name: 'Change' }).click();
	await expect(page.getByTestId('users-message')).toContainText('bea is now manager');
	await expect(page.getByTestId('audit-row').filter({ hasText: 'user.role' }).first()).toContainText('role: engineer → manager');

	// A kiosk link: its URL is shown once, then only its row.
	const kiosk = page.locator('form[action="?/createKiosk"]');
	await kiosk.getByLabel('Screen name').fill('lobby screen');
	await kiosk.getByRole('button', { name: 'Make kiosk link' }).click();
	const url = page.getByTestId('kiosks-secret');
	await expect(url).toHaveText(new RegExp(`^${vigil.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/wall\\?token=vgk_`));
	await expect(page.getByTestId('kiosk-row').filter({ hasText: 'lobby screen' })).toContainText('active');
	await page.screenshot({ path: '/tmp/admin.png', fullPage: true });
	const link = (await url.textContent())!;
	// A second live link of that name (letter case aside) is refused: the name is the screen's.
	await kiosk.getByLabel('Screen name').fill('Lobby Screen');
	await kiosk.getByRole('button', { name: 'Make kiosk link' }).click();
	await expect(page.getByTestId('kiosks-error')).toContainText('is already named "Lobby Screen"');
	await expect(page.getByTestId('kiosk-row').filter({ hasText: /lobby screen/i })).toHaveCount(1);
	// The screen opens it: the list then says when and from where it was last seen.
	const screen = await page.context().browser()!.newPage();
	await screen.goto(link);
	await expect(screen).toHaveURL(/\/wall$/);
	await expect(screen.getByTestId('connection')).toHaveText('live');
	await screen.close();
	await page.reload();
	await expect(page.getByTestId('kiosk-row').filter({ hasText: 'lobby screen' })).toContainText(/127\.0\.0\.1|::1/);
	await expect(page.getByTestId('kiosk-row').filter({ hasText: 'lobby screen' }).getByRole('cell').nth(5)).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
	await expect(page.getByTestId('kiosks-secret')).toHaveCount(0);
	expect(await page.content()).not.toContain('vgk_');

	// Times in the audit log read as times (the zone's), never as epoch milliseconds.
	const expiring = page.locator('form[action="?/createKiosk"]');
	await expiring.getByLabel('Screen name').fill('hall screen');
	await expiring.getByLabel('Expires after (e.g. 90d)').fill('30d');
	await expiring.getByRole('button', { name: 'Make kiosk link' }).click();
	await expect(page.getByTestId('kiosks-secret')).toBeVisible();
	const hall = page.getByTestId('audit-row').filter({ hasText: 'kiosk.create' }).filter({ hasText: 'hall screen' });
	await expect(hall).toContainText(/expiresAt=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
	await page.getByTestId('kiosk-row').filter({ hasText: 'hall screen' }).getByRole('button', { name: /Revoke/ }).click();
	await expect(page.getByTestId('audit-row').filter({ hasText: 'kiosk.revoke' }).first()).toContainText(/revokedAt: — → \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
	for (const text of await page.getByTestId('audit-row').allTextContents()) expect(text).not.toMatch(/\b1\d{12}\b/);

	await bea.getByText('Delete…').click();
	await bea.getByRole('button', { name: 'Delete bea and end their sessions' }).click();
	await expect(page.getByTestId('users-message')).toContainText('deleted bea');
	await expect(page.getByTestId('user-row').filter({ has: page.getByRole('cell', { name: 'bea', exact: true }) })).toHaveCount(0);
	await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveAttribute('href', '/api/v1/audit?format=csv');
	expect(violations).toEqual([]);

	await page.goto(`${vigil.url}/`);
	await expect(page.getByRole('link', { name: 'Admin' })).toBeVisible();
});

test('values from data are shown as text, never as markup', async ({ page }) => {
	await login(page, 'ada', '/admin');
	await expect(page).toHaveURL(/\/admin$/);
	// User names cannot hold markup: the refusal quotes it, as text.
	const add = page.locator('form[action="?/addUser"]');
	await add.getByLabel('User name').fill(XSS);
	await add.getByLabel('Password (at least 10 characters)').fill('a long enough password');
	await add.getByLabel('Password again').fill('a long enough password');
	await add.getByRole('button', { name: 'Add user' }).click();
	await expect(page.getByTestId('users-error')).toContainText('<img src=x onerror=');
	// Kiosk link and API token names can: they are listed as text, and so is their audit entry.
	const kiosk = page.locator('form[action="?/createKiosk"]');
	await kiosk.getByLabel('Screen name').fill(XSS);
	await kiosk.getByRole('button', { name: 'Make kiosk link' }).click();
	await expect(page.getByTestId('kiosks-message')).toBeVisible();
	const token = page.locator('form[action="?/createToken"]');
	await token.getByLabel('Token name').fill(XSS);
	await token.getByLabel('Owner').selectOption('vic');
	await token.getByLabel('push').check();
	await token.getByRole('button', { name: 'Make token' }).click();
	await expect(page.getByTestId('tokens-secret')).toHaveText(/^vgl_/);
	await expect(page.getByTestId('token-row').filter({ hasText: XSS })).toContainText('vic');
	await page.reload();
	await expect(page.getByTestId('kiosk-row').getByRole('cell', { name: XSS, exact: true })).toBeVisible();
	await expect(page.getByTestId('token-row').getByRole('cell', { name: XSS, exact: true })).toBeVisible();
	await expect(page.getByTestId('audit-row').filter({ hasText: 'kiosk.create' }).filter({ hasText: XSS })).toHaveCount(1);
	expect(await page.locator('img').count()).toBe(0);
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

	// Revoking the token from its row.
	await page.getByTestId('token-row').filter({ hasText: XSS }).getByRole('button', { name: /Revoke/ }).click();
	await expect(page.getByTestId('tokens-message')).toContainText('revoked token');
	await expect(page.getByTestId('token-row').filter({ hasText: XSS })).toContainText('revoked');
	expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
});

test('a viewer gets 403 on /admin and no link to it', async ({ page }) => {
	await login(page, 'vic');
	await expect(page.getByTestId('whoami')).toContainText('vic');
	await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
	const res = await page.goto(`${vigil.url}/admin`);
	expect(res?.status()).toBe(403);
	await expect(page.locator('body')).toContainText('the admin page is for admins');
	await expect(page.getByRole('heading', { name: 'Users' })).toHaveCount(0);
	// The 403 page has the site's look and a way on: who is logged in, and the pages a viewer may open.
	await expect(page.getByTestId('error-status')).toHaveText('403');
	await expect(page.getByTestId('error-whoami')).toContainText('vic (viewer)');
	await expect(page.getByTestId('error-nav').getByRole('link')).toHaveText(['Home', 'Wall', 'Boards', 'Rules', 'Incidents', 'Silences', 'Maintenance', 'Notifications', 'Your account']);
	// Each of them opens for a viewer.
	for (const href of await page.getByTestId('error-nav').getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))) {
		expect((await page.request.get(`${vigil.url}${href}`, { maxRedirects: 0 })).status(), href).toBe(200);
	}
	expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(11, 18, 32)');
	await page.getByTestId('error-nav').getByRole('link', { name: 'Rules' }).click();
	await expect(page).toHaveURL(/\/rules$/);
	// Reports (managers and admins) is 403 too, and neither home nor the page headers link to it.
	expect((await page.goto(`${vigil.url}/reports`))?.status()).toBe(403);
	await expect(page.getByTestId('error-nav').getByRole('link', { name: 'Reports' })).toHaveCount(0);
	for (const path of ['/', '/rules', '/incidents']) {
		await page.goto(`${vigil.url}${path}`);
		await expect(page.getByRole('link', { name: 'Reports', exact: true })).toHaveCount(0);
	}
	await page.goto(`${vigil.url}/`);
	await expect(page.locator('main a')).toContainText(['Wall', 'Rules', 'Incidents']);
	// Every link of a viewer's home page opens for a viewer: none leads to a 403 (or to the login).
	const hrefs = await page.locator('main a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
	expect(hrefs).toEqual(expect.arrayContaining(['/wall', '/boards', '/rules', '/incidents', '/silences', '/maintenance', '/notifications', '/account']));
	for (const href of ['/reports', '/scorecards', '/complaints', '/admin']) expect(hrefs).not.toContain(href);
	for (const href of hrefs) expect((await page.request.get(`${vigil.url}${href}`, { maxRedirects: 0 })).status(), href).toBe(200);
});

test('the favicon is served to anyone, as SVG and as .ico', async ({ request, page }) => {
	for (const [path, type] of [
		['/favicon.svg', 'image/svg+xml'],
		['/favicon.ico', /image\/(x-icon|vnd\.microsoft\.icon)/],
		['/apple-touch-icon.png', 'image/png']
	] as const) {
		const res = await request.get(`${vigil.url}${path}`, { maxRedirects: 0 });
		expect(res.status(), path).toBe(200);
		expect(res.headers()['content-type'], path).toMatch(type);
	}
	const ico = await (await request.get(`${vigil.url}/favicon.ico`)).body();
	expect([...ico.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
	// Every page names it.
	await page.goto(`${vigil.url}/login`);
	await expect(page.locator('link[rel="icon"][type="image/svg+xml"]')).toHaveAttribute('href', /favicon\.svg$/);
});
