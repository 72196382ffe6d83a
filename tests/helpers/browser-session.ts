/** Logging in through the login page in a Playwright browser, and waiting until a page runs its scripts. */
import { expect, type Page } from '@playwright/test';

/**
 * Waits until the page has run its scripts (the root layout marks `html[data-hydrated]` on mount).
 * Until then a form field filled by a test may be overwritten by hydration, and a click may reach a
 * form that is not enhanced yet.
 */
export async function hydrated(page: Page): Promise<void> {
	await expect(page.locator('html[data-hydrated]')).toHaveCount(1);
}

/**
 * Submits the login form as `name`. Resolves once the page that answers (`next`, or the form again
 * with its error) has loaded and hydrated.
 */
export async function logIn(page: Page, baseUrl: string, name: string, password: string, next = '/'): Promise<void> {
	await page.goto(`${baseUrl}/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('User name').fill(name);
	await page.getByLabel('Password').fill(password);
	const answered = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
	await page.getByRole('button', { name: 'Log in' }).click();
	await answered;
	await page.waitForLoadState('load');
	await hydrated(page);
}
