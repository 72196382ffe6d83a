import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// The production server (server.ts) mounts build/handler.js and attaches socket.io.
		adapter: adapter({ out: 'build', precompress: false }),
		// Form posts from other origins are refused: SvelteKit's origin check is on by default (no
		// `csrf.trustedOrigins` here, on purpose); session requests also need the CSRF token
		// (src/hooks.server.ts).
		// A strict policy: SvelteKit adds a nonce (or a hash) to its own inline scripts. Styles may
		// be inline (Svelte's style attributes), which also stops SvelteKit adding style hashes.
		// 'self' covers the socket.io WebSocket of the same origin (CSP level 3).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		},
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
