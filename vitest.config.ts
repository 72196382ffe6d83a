import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		// Three test files at a time on two cores: integration files mostly wait on the processes
		// they start (Vigil, redis-server) and on timers, so they overlap well (the integration
		// files take about 4 minutes this way instead of about 10 one at a time).
		maxWorkers: 3,
		projects: [
			{
				test: {
					name: 'unit',
					include: ['src/**/*.test.ts', 'collectors/**/*.test.ts', 'alerts/**/*.test.ts', 'runtime/**/*.test.ts', 'demo-shop/**/*.test.ts'],
					environment: 'node'
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
