/**
 * GET /api/v1/status/buildinfo: what Grafana's data-source check reads. `version` is the
 * Prometheus version whose API and PromQL semantics Vigil follows (2.42); `vigilVersion` is
 * Vigil's own. Needs `series:read`.
 */
import { getContext } from '$lib/server/web/context';
import { methodNotAllowed, promRoute } from '$lib/server/web/http';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = (event) =>
	promRoute(event, 'series:read', async () => ({
		version: '2.42.0',
		revision: '',
		branch: '',
		buildUser: '',
		buildDate: '',
		goVersion: '',
		vigilVersion: getContext().version
	}));

export const fallback: RequestHandler = methodNotAllowed('GET');
