/** The certificate core: format, encoding and verification. Pure, no I/O; runs in Node and browsers. */
export * from './errors.ts';
export * from './bytes.ts';
export * from './digits.ts';
export * from './claims.ts';
export * from './keys.ts';
export * from './jws.ts';
export * from './certificate.ts';
export * from './compact.ts';
export * from './qr.ts';
export * from './verify.ts';
export * from './watch-input.ts';
export * from './status-list.ts';
