/**
 * /boards in a browser, against a running `vigil` (web role) with a board of tiles in its config:
 * every role with a login sees the boards (linked from the home page and the wall's header) and
 * opens one; an admin makes a kiosk link for a board (shown once; a bad expiry refused naming the
 * field), a screen opens it, and the admin revokes it. Other roles get no kiosk forms and are
 * refused the actions; a kiosk screen is sent to the login; hostile names stay text.
 */
import { expect, test, type Page } from '@playwright/test';
import { artifact } from '../helpers/artifacts';
import { kioskIsKeptOut, login, noMarkupRan, startRig, XSS, type Rig } from '../helpers/operator-pages';

let rig: Rig;

test.beforeAll(async () => {
	test.setTimeout(90_000);
	rig = await startRig(
		'bd',
		`wall:
  tiles:
    - { title: Uptime, selector: up }
  boards:
    - name: shop
      title: Shop floor
      columns: 3
      tiles:
        - { kind: status, title: Services, selector: up, by: service }
        - { kind: alerts, title: Active alerts }
`
	);
});

test.afterAll(async () => {
	await rig?.stop();
});

const board = (page: Page, name: string) => page.locator(`[data-testid="board"][data-board="${name}"]`);

test('an admin lists the boards, makes a kiosk link for one, a screen opens it, and the admin revokes it', async ({ page, browser }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	await login(page, rig, 'ada', '/boards');
	await expect(page.getByRole('heading', { name: 'Boards', exact: true })).toBeVisible();
	await expect(page.getByTestId('board')).toHaveCount(2);
	await expect(board(page, 'default')).toContainText('1 tile');
	await expect(board(page, 'shop').getByRole('heading', { level: 2 })).toHaveText('Shop floor');
	await expect(board(page, 'shop')).toContainText('2 tiles (status, alerts) · 3 columns');
	await expect(board(page, 'shop').getByTestId('board-open')).toHaveAttribute('href', '/wall/shop');
	await expect(page.getByRole('link', { name: 'Show all in turn (30 s each)' })).toHaveAttribute('href', '/wall?rotate=default,shop&every=30s');

	const shop = board(page, 'shop');
	await shop.getByLabel('Screen name').fill(`lobby ${XSS}`);
	await shop.getByLabel('Expires after').fill('forever');
	await shop.getByRole('button', { name: 'Make kiosk link' }).click();
	await expect(shop.getByTestId('kiosk-error')).toHaveText('expires: expected a duration like "90d", or nothing');
	await shop.getByLabel('Expires after').fill('30d');
	await shop.getByRole('button', { name: 'Make kiosk link' }).click();
	await expect(shop.getByTestId('kiosk-message')).toContainText('for shop');
	const link = (await shop.getByTestId('kiosk-secret').textContent())!;
	expect(link).toMatch(new RegExp(`^${rig.vigil.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/wall/shop\\?token=vgk_`));
	const row = shop.getByTestId('kiosk-row').filter({ hasText: 'lobby' });
	await expect(row.getByRole('cell').first()).toContainText(`lobby ${XSS}`);
	await expect(row).toContainText('active');
	await expect(board(page, 'default').getByTestId('kiosk-row')).toHaveCount(0);
	await noMarkupRan(page);

	// The screen opens the link: it shows the board, without navigation.
	const screenContext = await browser.newContext();
	const screen = await screenContext.newPage();
	await screen.goto(link);
	await expect(screen).toHaveURL(/\/wall\/shop$/);
	await expect(screen.getByTestId('wall')).toHaveAttribute('data-kiosk', 'yes');
	await expect(screen.getByTestId('wall-nav')).toHaveCount(0);

	await page.setViewportSize({ width: 1920, height: 1080 });
	await page.reload();
	await expect(board(page, 'shop').getByTestId('kiosk-secret')).toHaveCount(0);
	expect(await page.content()).not.toContain('vgk_');
	await expect(board(page, 'shop').getByTestId('kiosk-row').filter({ hasText: 'lobby' })).toContainText(/127\.0\.0\.1|::1/);
	await page.screenshot({ path: artifact('boards.png') });

	await board(page, 'shop').getByRole('button', { name: /^Revoke kiosk link lobby/ }).click();
	await expect(board(page, 'shop').getByTestId('kiosk-message')).toContainText('Revoked kiosk link');
	await expect(board(page, 'shop').getByTestId('kiosk-row').filter({ hasText: 'lobby' })).toContainText('revoked');
	await screen.reload();
	await expect(screen).not.toHaveURL(/\/wall\/shop$/);
	await screenContext.close();
});

test('every role reaches the boards from the home page and the wall, without kiosk forms; a kiosk screen is sent to the login', async ({ page, browser }) => {
	// Several logins and browser contexts on a shared machine: more than the default minute.
	test.setTimeout(150_000);
	for (const user of ['vic', 'eve', 'meg']) {
		await page.context().clearCookies();
		await login(page, rig, user, '/');
		// The home page links only to pages the role may open: each answers 200, none a 403 or the login.
		for (const href of await page.locator('main a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!))) {
			expect((await page.request.get(`${rig.vigil.url}${href}`, { maxRedirects: 0 })).status(), `${user}: ${href}`).toBe(200);
		}
		await page.getByRole('main').getByRole('link', { name: 'Boards', exact: true }).click();
		await expect(page).toHaveURL(/\/boards$/);
		await expect(page.getByTestId('board')).toHaveCount(2);
		await expect(page.getByTestId('kiosk-create')).toHaveCount(0);
		await expect(page.getByTestId('kiosk-table')).toHaveCount(0);
		await board(page, 'shop').getByTestId('board-open').click();
		await expect(page).toHaveURL(/\/wall\/shop$/);
		await expect(page.getByTestId('wall-nav').getByRole('link', { name: 'Boards' })).toHaveAttribute('href', '/boards');
		await page.goto(`${rig.vigil.url}/`);
		const csrf = await page.locator('input[name=csrf]').first().inputValue();
		const res = await page.request.post(`${rig.vigil.url}/boards?/createKiosk`, { form: { csrf, board: 'shop', name: 'sneaky' }, headers: { origin: rig.vigil.url } });
		expect(res.status()).toBe(403);
		expect(await res.text()).toContain('may not tokens:admin');
	}
	// The navigation is on every page of a session, 403 pages too, and names only what the role may open.
	const nav = page.getByTestId('site-nav');
	await page.goto(`${rig.vigil.url}/rules`);
	await expect(nav.getByRole('link', { name: 'Boards' })).toHaveAttribute('href', '/boards');
	await page.screenshot({ path: artifact('rules-with-nav.png') });
	// (the last user of the loop is meg, a manager: reports, scorecards and complaints yes, admin no)
	const res = await page.goto(`${rig.vigil.url}/admin`);
	expect(res?.status()).toBe(403);
	await expect(nav.getByRole('link')).toHaveText(['Vigil', 'Wall', 'Boards', 'Rules', 'Incidents', 'Silences', 'Maintenance', 'Notifications', 'Reports', 'Scorecards', 'Complaints']);
	await kioskIsKeptOut(browser, rig, '/boards');
});
