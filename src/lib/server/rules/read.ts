/**
 * Reads a rule file from disk for `vigil rules import` and `vigil rules check`: a file over the size
 * limit is refused before it is read, and bytes that are not UTF-8 are an error naming their offset
 * (decoding them silently would change label values and templates). Rule tests (`vigil rules test`
 * reading its `rule_files`) and the alerts role's first-start import read their files themselves,
 * without these checks.
 */
import { isUtf8 } from 'node:buffer';
import { readFile, stat } from 'node:fs/promises';
import { MAX_RULE_FILE_BYTES } from './file';

/** The offset of the first byte that is not part of valid UTF-8, or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
	if (isUtf8(bytes)) return -1;
	const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
	// Decoding replaces each invalid sequence with U+FFFD; find the first one not written as EF BF BD.
	let offset = 0;
	for (const ch of text) {
		if (ch === '\uFFFD' && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
		offset += Buffer.byteLength(ch);
	}
	return -1;
}

/** The text of a rule file; throws an Error with a clear message when it is too large or not UTF-8. */
export async function readRuleFile(path: string): Promise<string> {
	const info = await stat(path);
	if (info.size > MAX_RULE_FILE_BYTES) throw new Error(`the file is larger than ${MAX_RULE_FILE_BYTES} bytes; split it into several files`);
	const bytes = await readFile(path);
	const bad = invalidUtf8Offset(bytes);
	if (bad >= 0) throw new Error(`the file is not valid UTF-8: byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}`);
	return bytes.toString('utf8');
}
