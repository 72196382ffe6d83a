import { createReadStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWebServer, type RequestHandler } from '../server';

/**
 * A static file that vanishes between its lookup and its read (a new build replaced the old one
 * while screens still ask for the old assets) ends that one response; the process goes on. The
 * handler streams as adapter-node's static server does: headers first, then a file piped to the
 * response.
 */
const handler: RequestHandler = (req, res, next) => {
	if (req.url === '/_app/old.js') {
		res.writeHead(200, { 'content-type': 'text/javascript' });
		createReadStream(join(tmpdir(), `vigil-gone-${process.pid}-${Date.now()}.js`)).pipe(res);
		return;
	}
	if (req.url === '/page') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('still here');
	next();
};

let url = '';
const server = createWebServer({ ops: () => false, handler, roles: ['web'] });
beforeAll(async () => {
	await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
	url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

it('a static file that cannot be read ends its response, and the server keeps answering', async () => {
	const failed = await fetch(`${url}/_app/old.js`).then(
		(r) => r.text().then(() => 'read', () => 'cut'),
		() => 'cut'
	);
	expect(failed).toBe('cut');
	const page = await fetch(`${url}/page`);
	expect(page.status).toBe(200);
	expect(await page.text()).toBe('still here');
	expect((await fetch(`${url}/nothing`)).status).toBe(404);
});
