/**
 * Changing passwords in the browser: a user changes their own on /account (the current one is
 * asked; this browser stays logged in, other sessions end), and an admin sets another user's on
 * /admin (their sessions end; the audit log names the admin). Both forms need the session's CSRF
 * token.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { logIn } from '../helpers/browser-session';
import { startTestRedis, type TestRedis } from '../helpers/redis-server';
import { addVigilUser, demoConfig, startVigilProcess, type VigilProcess } from '../helpers/vigil-process';

let redis: TestRedis;
let vigil: VigilProcess;
const PASSWORD = 'account page password';

const addUser = (name: string, role: string) => addVigilUser(vigil, redis.url, name, role, PASSWORD);

const login = (page: Page, name: string, password = PASSWORD, next = '/') => logIn(page, vigil.url, name, password, next);

/** A second browser (its own cookies) logged in as `name`. */
async function otherBrowser(browser: Browser, name: string, password = PASSWORD): Promise<Page> {
	const page = await (await browser.newContext()).newPage();
	await login(page, name, password);
	await expect(page.getByTestId('whoami')).toContainText(name);
	return page;
}

test.beforeAll(async () => {
	redis = await startTestRedis();
	vigil = await startVigilProcess({ config: demoConfig(), redisUrl: redis.url });
	addUser('ada', 'admin');
	addUser('vic', 'viewer');
	addUser('eve', 'engineer');
});

test.afterAll(async () => {
	await vigil?.stop();
	await redis?.stop();
});

test('a user changes their own password on /account: the current one is needed; other sessions end, this one stays', async ({ page, browser }) => {
	await page.goto(`${vigil.url}/account`);
	await expect(page).toHaveURL(/\/login\?next=%2Faccount$/);
	await login(page, 'vic', PASSWORD, '/account');
	await expect(page).toHaveURL(/\/account$/);
	await expect(page.getByTestId('account-who')).toContainText('vic');
	const elsewhere = await otherBrowser(browser, 'vic');

	const form = page.locator('form[action="?/password"]');
	await form.getByLabel('Current password').fill('not the password');
	await form.getByLabel(/^New password \(/).fill('a brand new password');
	await form.getByLabel('New password again').fill('a brand new password');
	await form.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByTestId('account-error')).toHaveText('your current password is not right');

	await form.getByLabel('Current password').fill(PASSWORD);
	await form.getByLabel(/^New password \(/).fill('a brand new password');
	await form.getByLabel('New password again').fill('another new password');
	await form.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByTestId('account-error')).toHaveText('the two new passwords differ');

	await form.getByLabel('Current password').fill(PASSWORD);
	await form.getByLabel(/^New password \(/).fill('a brand new password');
	await form.getByLabel('New password again').fill('a brand new password');
	await form.getByRole('button', { name: 'Change password' }).click();
	await expect(page.getByTestId('account-message')).toContainText('Your password was changed');
	await page.screenshot({ path: '/tmp/account.png', fullPage: true });

	// This browser is still logged in (a new session); the other one was logged out.
	await page.goto(`${vigil.url}/`);
	await expect(page.getByTestId('whoami')).toContainText('vic');
	await elsewhere.goto(`${vigil.url}/`);
	await expect(elsewhere.getByRole('link', { name: 'Log in' })).toBeVisible();
	// The old password no longer logs in; the new one does.
	await login(elsewhere, 'vic');
	await expect(elsewhere.getByText('wrong user name or password')).toBeVisible();
	await login(elsewhere, 'vic', 'a brand new password');
	await expect(elsewhere.getByTestId('whoami')).toContainText('vic');

	// Without the session's CSRF token the form post is refused, and nothing changes.
	const forged = await page.request.post(`${vigil.url}/account?/password`, {
		form: { current: 'a brand new password', password: 'forged password 123', confirm: 'forged password 123' },
		headers: { origin: vigil.url }
	});
	expect(forged.status()).toBe(403);
	await page.goto(`${vigil.url}/`);
	await expect(page.getByTestId('whoami')).toContainText('vic');
});

test('an admin sets another user\'s password on /admin: their sessions end, and the audit log names the admin', async ({ page, browser }) => {
	const eve = await otherBrowser(browser, 'eve');
	await login(page, 'ada', PASSWORD, '/admin');
	await expect(page).toHaveURL(/\/admin$/);
	const form = page.locator('form[action="?/setPassword"]');
	// The admin's own password is changed on /account (it asks for the current one).
	await expect(form.getByLabel('User').locator('option')).toHaveText(['eve', 'vic']);

	await form.getByLabel('User').selectOption('eve');
	await form.getByLabel(/^New password \(/).fill('set by the admin');
	await form.getByLabel('New password again').fill('set by the admin');
	await form.getByRole('button', { name: 'Set password' }).click();
	await expect(page.getByTestId('users-message')).toHaveText('set a new password for eve; their sessions were ended');
	await expect(page.getByTestId('audit-row').filter({ hasText: 'user.password' }).filter({ hasText: 'eve' }).first()).toContainText('user:ada');
	await page.locator('#users').scrollIntoViewIfNeeded();
	await page.screenshot({ path: '/tmp/admin-password.png' });

	await eve.goto(`${vigil.url}/`);
	await expect(eve.getByRole('link', { name: 'Log in' })).toBeVisible();
	await login(eve, 'eve', 'set by the admin');
	await expect(eve.getByTestId('whoami')).toContainText('eve');

	// Too short: the store's rule, as text.
	await form.getByLabel('User').selectOption('eve');
	await form.getByLabel(/^New password \(/).fill('short');
	await form.getByLabel('New password again').fill('short');
	await form.evaluate((f: HTMLFormElement) => f.querySelectorAll('input').forEach((i) => i.removeAttribute('minlength')));
	await form.getByRole('button', { name: 'Set password' }).click();
	await expect(page.getByTestId('users-error')).toContainText('10');
});
