import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		// Three test files at a time on two cores: integration files mostly wait on the processes
		// they start (Vigil, redis-server) and on timers, so they overlap well (the integration
		// files took 257 s this way, against 592 s summed over the files, on two cores).
		maxWorkers: 3,
		projects: [
			{
				test: {
					name: 'unit',
					include: ['src/**/*.test.ts', 'collectors/**/*.test.ts', 'alerts/**/*.test.ts', 'runtime/**/*.test.ts', 'demo-shop/**/*.test.ts'],
					environment: 'node',
					// A hang guard, not a speed check: size bombs and property runs share two cores with
					// two other test files.
					testTimeout: 30_000
				}
			},
			{
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					globalSetup: ['tests/helpers/ensure-build.ts'],
					testTimeout: 30_000,
					hookTimeout: 30_000
				}
			}
		]
	}
});
