/**
 * The dependency direction of docs/architecture.md, enforced by `npm run check`:
 * lib/shared imports nothing of Vigil; lib/server (Redis access, storage, web role) imports only
 * lib/shared and itself; collectors and alerts use those two and never each other, the routes or
 * the runtime; routes never import the runtime (it is not in SvelteKit's bundle); no cycles of
 * modules, and none of folders inside src/lib/server.
 *
 * Inside src/lib/server the layers, lowest first (LAYERS below; an import may only go down):
 *   shared (root files, redis/, net/) -> tickets -> tsdb -> promql -> rules -> alerting/state, alerting/ruleset,
 *   auth -> alerting/muting, incidents, notify -> views (and views/reports), prom-api -> query-pool -> web
 *   (web/http) -> src/routes. Read models (views, views/reports) query through promql's numeric query
 *   core, never prom-api's wire format.
 * Packages are used through their index.ts from outside (every folder of src/lib/server but web/,
 * whose files are the routes' own; web/live/ is used through web/live.ts). Unit tests (*.test.ts),
 * tests/ and scripts/bench/ may import inner files: they test and measure a package's internals.
 * getContext() is for the routes and web only.
 */
/**
 * The layers of src/lib/server, lowest first. A file may import its own layer and the layers below,
 * never a layer above (layerRules makes one rule a layer). Inside a layer, packages that are
 * siblings may use each other only where the folder-cycle rule allows (no cycles).
 */
const LAYERS = [
	['shared', '^src/lib/server/([^/]+$|redis/|net/)', 'root files (keys, clock, log, metrics, audit, yaml), redis/ and net/'],
	['tickets', '^src/lib/server/tickets/', 'helpdesk tickets: their latest states and the series derived from them'],
	['tsdb', '^src/lib/server/tsdb/', 'the time-series store'],
	['promql', '^src/lib/server/promql/', 'the PromQL engine and the numeric query core'],
	['rules', '^src/lib/server/rules/', 'rule files, templates, the alert state machine, rule tests, backtests'],
	['state and rule set', '^src/lib/server/(alerting/(state|ruleset)|auth)/', 'alert state, the stored rule set, and access control'],
	['alerting', '^src/lib/server/alerting/(muting|incidents|notify)/', 'muting, incidents, notifications'],
	['views and API wire format', '^src/lib/server/(views|prom-api)/', 'read models for pages and the CLI; the Prometheus HTTP API format'],
	['query pool', '^src/lib/server/query-pool/', 'worker threads answering API queries'],
	['web', '^src/lib/server/web/', 'the web role: context, HTTP adapters, live hub, page loaders']
];

/** The packages of src/lib/server besides the alerting packages, views and web/http, each used through its index.ts. */
const CORE_PACKAGES = 'tsdb|tickets|promql|rules|auth|views/reports|views/scorecards|views/complaints|prom-api|query-pool|net|redis';

function layerRules() {
	return LAYERS.slice(0, -1).map(([name, path], i) => ({
		name: `layer-${name.replace(/ /g, '-')}`,
		severity: 'error',
		comment: `Layers of src/lib/server: ${name} imports nothing of the layers above it (${LAYERS.slice(i + 1)
			.map(([above]) => above)
			.join(', ')}).`,
		from: { path },
		to: { path: LAYERS.slice(i + 1).map(([, above]) => above) }
	}));
}

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
			name: 'no-folder-cycles',
			severity: 'error',
			scope: 'folder',
			comment: 'No cycles between folders inside src/lib/server either (a package and a package it uses, or a package and its subfolder): the layers run one way.',
			from: { path: '^src/lib/server/' },
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
				`The other packages of src/lib/server (${CORE_PACKAGES.split('|').join(', ')}) are used through their index.ts from outside the package. Unit tests (*.test.ts), tests/ and scripts/bench/ may import inner files: they test and measure a package's internals (the in-memory store, the block codec, promql/testing).`,
			from: { pathNot: [`^src/lib/server/(${CORE_PACKAGES})/`, '\\.test\\.ts$', '^tests/', '^scripts/bench/'] },
			to: { path: `^src/lib/server/(${CORE_PACKAGES})/`, pathNot: [`^src/lib/server/(${CORE_PACKAGES})/index\\.ts$`] }
		},
		{
			name: 'core-package-index-only-inside',
			severity: 'error',
			comment: 'Inside src/lib/server the same: one package imports another\'s index.ts, files of one package import each other directly.',
			from: { path: `^(src/lib/server/(?:${CORE_PACKAGES}))/`, pathNot: '\\.test\\.ts$' },
			to: { path: `^src/lib/server/(${CORE_PACKAGES})/`, pathNot: [`^src/lib/server/(${CORE_PACKAGES})/index\\.ts$`, '^$1/'] }
		},
		{
			name: 'live-hub-parts',
			severity: 'error',
			comment: 'web/live/ holds the live hub\'s parts: web/live.ts puts them together and is the only file outside the folder that imports them (tests aside).',
			from: { pathNot: ['^src/lib/server/web/(live\\.ts$|live/)', '\\.test\\.ts$'] },
			to: { path: '^src/lib/server/web/live/' }
		},
		{
			name: 'package-index-only-between-packages',
			severity: 'error',
			comment: 'One package uses another through its index.ts; inside a package, files import each other directly.',
			from: { path: '^(src/lib/server/(?:alerting/[^/]+|views|web/http))/' },
			to: { path: '^src/lib/server/(alerting/[^/]+|views|web/http)/[^/]+$', pathNot: ['/index\\.ts$', '^$1/'] }
		},
		...layerRules(),
		{
			name: 'read-models-use-the-query-core',
			severity: 'error',
			comment: 'Read models (views, reports) query through the numeric query core (promql/query.ts), never the HTTP API\'s wire format or its query pool.',
			from: { path: '^src/lib/server/views/' },
			to: { path: '^src/lib/server/(prom-api|query-pool)/' }
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
