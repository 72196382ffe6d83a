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
		const { done, value } = await reader.read();
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
