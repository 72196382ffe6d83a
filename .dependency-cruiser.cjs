/**
 * The dependency direction of docs/architecture.md, enforced by `npm run check`:
 * lib/shared imports nothing of Vigil; lib/server (Redis access, storage, web role) imports only
 * lib/shared and itself; collectors and alerts use those two and never each other, the routes or
 * the runtime; routes never import the runtime (it is not in SvelteKit's bundle); no cycles.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
	forbidden: [
		{
			name: 'no-cycles',
			severity: 'error',
			comment: 'Import cycles make start-up order and testing fragile.',
			from: {},
			to: { circular: true }
		},
		{
			name: 'shared-is-a-leaf',
			severity: 'error',
			comment: 'src/lib/shared is used by the browser and the server: it imports nothing of Vigil.',
			from: { path: '^src/lib/shared/' },
			to: { path: '^(src|collectors|alerts|runtime|server\\.ts)', pathNot: '^src/lib/shared/' }
		},
		{
			name: 'server-lib-below-roles',
			severity: 'error',
			comment: 'src/lib/server (Redis, storage, web role) imports only src/lib/shared and itself.',
			from: { path: '^src/lib/server/' },
			to: { path: '^(src/routes|src/lib/client|collectors|alerts|runtime|demo-shop|server\\.ts)' }
		},
		{
			name: 'client-lib-browser-only',
			severity: 'error',
			comment: 'src/lib/client runs in the browser: it may use src/lib/shared, never server code.',
			from: { path: '^src/lib/client/' },
			to: { path: '^(src/lib/server|src/routes|collectors|alerts|runtime|server\\.ts)' }
		},
		{
			name: 'collectors-not-alerts',
			severity: 'error',
			comment: 'Roles talk through Redis only.',
			from: { path: '^collectors/' },
			to: { path: '^(alerts|demo-shop|src/routes|src/lib/client|runtime|server\\.ts)' }
		},
		{
			name: 'alerts-not-collectors',
			severity: 'error',
			comment: 'Roles talk through Redis only.',
			from: { path: '^alerts/' },
			to: { path: '^(collectors|demo-shop|src/routes|src/lib/client|runtime|server\\.ts)' }
		},
		{
			name: 'demo-shop-stands-alone',
			severity: 'error',
			comment: 'The demo shop is a separate program Vigil watches: it may use src/lib/server and src/lib/shared only.',
			from: { path: '^demo-shop/' },
			to: { path: '^(collectors|alerts|runtime|src/routes|src/lib/client|server\\.ts)' }
		},
		{
			name: 'routes-not-runtime',
			severity: 'error',
			comment: 'Routes reach the running process through getContext(), never by importing the runtime.',
			from: { path: '^src/routes/' },
			to: { path: '^(runtime|collectors|alerts|demo-shop|server\\.ts)' }
		},
		{
			name: 'not-to-unresolvable',
			severity: 'error',
			from: {},
			to: { couldNotResolve: true, pathNot: ['^\\$app/', '^\\$env/', '\\./\\$types$'] }
		}
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		exclude: { path: '(^|/)(node_modules|build|dist|\\.svelte-kit)/' },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		webpackConfig: { fileName: '.dependency-cruiser.resolve.cjs' },
		enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'svelte'], extensions: ['.ts', '.js', '.svelte', '.d.ts'] }
	}
};
