import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';
import { vigilDev } from './runtime/dev-plugin.ts';

export default defineConfig({
	plugins: [sveltekit(), vigilDev()]
});
