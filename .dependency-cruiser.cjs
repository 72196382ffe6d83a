/**
 * The dependency direction of docs/architecture.md, enforced by `npm run check`:
 * lib/shared imports nothing of Vigil; lib/server (Redis access, storage, web role) imports only
 * lib/shared and itself; collectors and alerts use those two and never each other, the routes or
 * the runtime; routes never import the runtime (it is not in SvelteKit's bundle); no cycles.
 * Inside lib/server: the layers core (tsdb, promql, rules) -> alerting packages -> views -> web ->
 * routes, packages used through their index.ts, and getContext() for routes and web only.
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
			name: 'package-index-only',
			severity: 'error',
			comment: 'The alerting packages, views and web/http are used through their index.ts: from outside a package, import the package, never an inner file.',
			from: { pathNot: ['^src/lib/server/(alerting/[^/]+|views|web/http)/', '\\.test\\.ts$'] },
			to: { path: '^src/lib/server/(alerting/[^/]+|views|web/http)/[^/]+$', pathNot: '/index\\.ts$' }
		},
		{
			name: 'core-package-index-only',
			severity: 'error',
			comment:
				'tsdb, promql, rules and auth are used through their index.ts from outside the package. Unit tests (*.test.ts), tests/ and scripts/bench/ may import inner files: they test and measure a package\'s internals (the in-memory store, the block codec, promql/testing).',
			from: { pathNot: ['^src/lib/server/(tsdb|promql|rules|auth)/', '\\.test\\.ts$', '^tests/', '^scripts/bench/'] },
			to: { path: '^src/lib/server/(tsdb|promql|rules|auth)/', pathNot: ['^src/lib/server/(tsdb|promql|rules|auth)/index\\.ts$'] }
		},
		{
			name: 'core-package-index-only-inside',
			severity: 'error',
			comment: 'Inside src/lib/server the same: one package imports another\'s index.ts, files of one package import each other directly.',
			from: { path: '^(src/lib/server/(?:tsdb|promql|rules|auth))/', pathNot: '\\.test\\.ts$' },
			to: { path: '^src/lib/server/(tsdb|promql|rules|auth)/', pathNot: ['^src/lib/server/(tsdb|promql|rules|auth)/index\\.ts$', '^$1/'] }
		},
		{
			name: 'package-index-only-between-packages',
			severity: 'error',
			comment: 'One package uses another through its index.ts; inside a package, files import each other directly.',
			from: { path: '^(src/lib/server/(?:alerting/[^/]+|views|web/http))/' },
			to: { path: '^src/lib/server/(alerting/[^/]+|views|web/http)/[^/]+$', pathNot: ['/index\\.ts$', '^$1/'] }
		},
		{
			name: 'layers-core-below-alerting',
			severity: 'error',
			comment: 'Layers of src/lib/server: tsdb, promql and rules (the core) import no alerting package, read model, report, API or web code.',
			from: { path: '^src/lib/server/(tsdb|promql|rules)/' },
			to: { path: '^src/lib/server/(alerting|views|reports|prom-api|web|auth)/' }
		},
		{
			name: 'layers-alerting-below-views',
			severity: 'error',
			comment: 'Layers of src/lib/server: the alerting packages import no read model, report, API wire format, web or auth code.',
			from: { path: '^src/lib/server/alerting/' },
			to: { path: '^src/lib/server/(views|reports|prom-api|web|auth)/' }
		},
		{
			name: 'layers-views-below-web',
			severity: 'error',
			comment: 'Layers of src/lib/server: read models are handed their dependencies; they import no web code (context, HTTP adapters, live hub).',
			from: { path: '^src/lib/server/(views|reports)/' },
			to: { path: '^src/lib/server/web/' }
		},
		{
			name: 'context-for-routes-and-web',
			severity: 'error',
			comment: 'getContext() is the routes\' locator: library code is passed what it needs. Only web/, the routes and the runtime (which sets it) import web/context.ts.',
			from: { pathNot: '^(src/lib/server/web/|src/routes/|src/hooks\\.server\\.ts$|runtime/|tests/)' },
			to: { path: '^src/lib/server/web/context\\.ts$' }
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
