/**
 * Boards: what a wall screen shows. Today there is one, `default` (the config's `wall.tiles`);
 * boards of their own come later, and everything that is scoped to a board names it already.
 */

export const DEFAULT_BOARD = 'default';

/** The boards that exist. */
export const BOARDS: readonly string[] = [DEFAULT_BOARD];

/** How a board is named: lowercase letters, digits, `-` and `_`, up to 64. */
export const BOARD_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export function boardExists(name: string): boolean {
	return BOARDS.includes(name);
}
