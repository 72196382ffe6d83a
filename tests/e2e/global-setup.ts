// The e2e tests run the built server: build it if it is missing or stale.
import ensureBuild from '../helpers/ensure-build';

export default function globalSetup(): void {
	ensureBuild();
}
