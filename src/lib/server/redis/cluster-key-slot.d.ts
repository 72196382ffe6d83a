/** The slot of a key (CRC16 of its hash tag or whole name, mod 16384), as Redis Cluster computes it. */
declare module 'cluster-key-slot' {
	function calculateSlot(key: string | Buffer): number;
	export default calculateSlot;
}
