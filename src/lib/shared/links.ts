/**
 * Which link targets from user data (a rule's runbook_url) may become an `href`: an http(s) URL,
 * or a path on this site (`/runbooks/x`, `./x`, `../x`). Anything else (`javascript:`, `data:`, a
 * scheme hidden behind spaces or control characters, which browsers strip) is shown as text.
 */

/** No whitespace or control characters anywhere: browsers drop some of them before parsing. */
const CLEAN = /^[^\x00-\x20\x7f-\x9f]*$/;
const HTTP = /^https?:\/\/[^/?#\\]+/i;
/** `/x` but not `//host` or `/\host` (another site), `./x`, `../x`. */
const PATH = /^(\/(?![/\\])|\.\.?\/)/;

export function isSafeLink(url: string): boolean {
	return url.length > 0 && url.length <= 4096 && CLEAN.test(url) && (HTTP.test(url) || PATH.test(url));
}

/**
 * Whether text that starts a templated link fixes it to a safe kind whatever the template fills in:
 * `https://`, `http://`, `/x`, `./`, `../`. Empty (the template starts with an action) is not.
 */
export function isSafeLinkStart(prefix: string): boolean {
	return CLEAN.test(prefix) && (/^https?:\/\//i.test(prefix) || PATH.test(prefix));
}
