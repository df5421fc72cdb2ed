/** The leaf hash (32 bytes) of the certificate whose compact JWS is `jws`. */
export function certificateLeafOf(jws: string): Uint8Array;
