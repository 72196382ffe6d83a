import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// The production server (server.ts) mounts build/handler.js and attaches socket.io.
		adapter: adapter({ out: 'build', precompress: false }),
		typescript: {
			config: (tsconfig) => {
				// The roles and the composition root live outside src/, and are type-checked too.
				tsconfig.include.push(
					'../collectors/**/*.ts',
					'../alerts/**/*.ts',
					'../demo-shop/**/*.ts',
					'../runtime/**/*.ts',
					'../bin/**/*.ts',
					'../scripts/**/*.ts',
					'../server.ts',
					'../vitest.config.ts',
					'../playwright.config.ts'
				);
				return tsconfig;
			}
		}
	}
};

export default config;
