import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
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
