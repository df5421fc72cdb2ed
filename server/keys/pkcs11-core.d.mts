/** Types of pkcs11-core.mjs (plain JavaScript so that worker threads load it as it is). */
export interface Pkcs11Config {
  /** Path of the PKCS#11 library (HALLMARK_PKCS11_MODULE). */
  module: string;
  /** Token label (HALLMARK_PKCS11_TOKEN), else the slot id, else the only token. */
  token?: string;
  slot?: number;
  pin: string;
}
export interface Token {
  readonly label: string;
}
export { Pkcs11Failure } from './pkcs11-failure.mjs';
export function openToken(config: Pkcs11Config): Token;
export function findKey(
  token: Token,
  label: string,
): { privateKey: unknown; publicKey: Uint8Array };
export function generateKey(token: Token, label: string, id: Uint8Array): Uint8Array;
export function signWith(token: Token, privateKey: unknown, data: Uint8Array): Uint8Array;
export function closeToken(token: Token): void;
