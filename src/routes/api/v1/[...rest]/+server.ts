/**
 * Any other path under /api/v1: 404 in the Prometheus API's envelope (`not_found`), so tools get
 * JSON they can read instead of an HTML page.
 */
import { failure } from '$lib/server/prom-api';
import type { RequestHandler } from './$types';

export const fallback: RequestHandler = ({ url }) => failure('not_found', `no API endpoint ${url.pathname}`);
