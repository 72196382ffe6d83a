// See https://svelte.dev/docs/kit/types#app.d.ts
import type { Session } from '$lib/server/auth';

declare global {
	namespace App {
		// interface Error {}
		interface Locals {
			/** The login session of the request's cookie, or null. */
			session: Session | null;
			/** The cookie's session id (to log out). */
			sessionId: string | null;
		}
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}
	}
}

export {};
