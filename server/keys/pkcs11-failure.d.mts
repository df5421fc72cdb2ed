/** Types of pkcs11-failure.mjs. */
export class Pkcs11Failure extends Error {
  constructor(message: string, code: string);
  readonly code: string;
}
