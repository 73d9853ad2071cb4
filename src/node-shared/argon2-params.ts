/**
 * Staff PIN hashes, the same at every till and at HQ (a PIN set anywhere works everywhere): argon2id
 * as RFC 9106's second recommended profile (64 MiB, 3 passes) with one lane, so a till's CPU stays
 * free for the counter. About 50-60 ms per check on a 2-core machine. The chain pepper is passed as
 * argon2's `secret` by each side.
 */
// `algorithm: 2` is Argon2id (the package's const enum cannot be imported under isolatedModules).
export const ARGON2_PARAMS = { algorithm: 2, memoryCost: 65536, timeCost: 3, parallelism: 1 } as const;
