/** Reading request bodies with a size limit, for API routes. */

export class BodyTooLargeError extends Error {
	override name = 'BodyTooLargeError';
	constructor(readonly limit: number) {
		super(`the request body is larger than ${limit} bytes`);
	}
}

/** The body as text, refusing (before reading, when the length is declared) anything over `limit`. */
export async function readLimited(request: Request, limit: number): Promise<string> {
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (declared > limit) throw new BodyTooLargeError(limit);
	if (!request.body) return '';
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		let chunk: ReadableStreamReadResult<Uint8Array>;
		try {
			chunk = await reader.read();
		} catch (err) {
			// The server's own body limit (adapter-node's BODY_SIZE_LIMIT, 512 KB unless set) can end
			// the stream first, with a 413 whose message names it.
			if ((err as { status?: unknown }).status === 413) {
				const server = Number(/(\d+)\D*$/.exec((err as Error).message ?? '')?.[1]);
				throw new BodyTooLargeError(Number.isFinite(server) && server > 0 ? Math.min(server, limit) : limit);
			}
			throw err;
		}
		const { done, value } = chunk;
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel();
			throw new BodyTooLargeError(limit);
		}
		chunks.push(value);
	}
	return Buffer.concat(chunks).toString('utf8');
}
