// A PKCS#11 failure, as one line naming the problem, and its PKCS#11 return code (CKR_*). Apart
// from pkcs11-core.mjs so that code that only tells of token failures (the import's signer pool)
// does not load the native binding.
export class Pkcs11Failure extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'Pkcs11Failure';
    this.code = code;
  }
}
