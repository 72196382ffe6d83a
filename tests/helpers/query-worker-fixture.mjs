// A stand-in for dist/query-worker.js in the query pool's unit tests: it speaks the pool's protocol
// and behaves as the job's query says, so the tests can make a worker hang, crash, run out of
// memory, wait, or watch for a cancel.
import { parentPort, workerData } from 'node:worker_threads';

const encoder = new TextEncoder();

function answer(req, data) {
	const chunk = encoder.encode(JSON.stringify({ status: 'success', data }));
	parentPort.postMessage({ type: 'answer', id: req.id, chunks: [chunk] }, [chunk.buffer]);
}

parentPort.on('message', async (req) => {
	const stop = new Int32Array(req.stop);
	switch (req.job.query) {
		case 'hang':
			for (;;) {
				// a step that never ends
			}
		case 'crash':
			throw new Error('boom');
		case 'oom': {
			const hold = [];
			for (;;) hold.push(new Array(1_000_000).fill(Math.random()));
		}
		case 'sleep':
			await new Promise((r) => setTimeout(r, req.job.time));
			break;
		case 'until-canceled':
			while (Atomics.load(stop, 0) !== 1) await new Promise((r) => setTimeout(r, 5));
			parentPort.postMessage({ type: 'error', id: req.id, errorType: 'canceled', message: 'query was canceled in expression evaluation' });
			return;
	}
	answer(req, { query: req.job.query, worker: workerData.name, limits: req.limits, timeout: req.timeout });
});
