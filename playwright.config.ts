import { defineConfig } from '@playwright/test';

// Debian's Chromium: Playwright cannot download browsers here. Tests start their own servers
// (a private redis-server and the built `vigil`), so there is no webServer block.
export default defineConfig({
	testDir: 'tests/e2e',
	timeout: 60_000,
	expect: { timeout: 10_000 },
	// Two files at a time: each file starts its own redis-server and Vigil on free ports, and most of
	// the time is waiting (a rule's `for`, the soak's minute), so the run takes about 4 min instead of 8.
	// Tests within a file share their servers and run in order.
	fullyParallel: false,
	workers: 2,
	retries: 0,
	reporter: [['list']],
	globalSetup: './tests/e2e/global-setup.ts',
	use: {
		browserName: 'chromium',
		viewport: { width: 1920, height: 1080 },
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: [
				'--headless',
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync'
			]
		},
		screenshot: 'only-on-failure',
		trace: 'retain-on-failure'
	},
	outputDir: 'test-results'
});
