/** The registry: every store over one database, and the clock they share. */
import type { Db } from '../db/database.ts';
import { backfillLog } from '../log/log-service.ts';
import { LogStore } from '../log/log-store.ts';
import { Pkcs11Keys, type Pkcs11Config } from '../keys/pkcs11.ts';
import { BrandStore } from './brands.ts';
import { CertificateStore } from './certificates.ts';
import { EventLog } from './events.ts';
import { KeyStore } from './key-store.ts';
import { OwnershipStore } from './ownership.ts';
import { SecretStore } from './secrets.ts';
import { StatusIndexAllocator } from './status-index.ts';
import { TokenStore } from './tokens.ts';
import { TrustStore } from './trust-store.ts';

export interface Registry {
  db: Db;
  brands: BrandStore;
  keys: KeyStore;
  tokens: TokenStore;
  certificates: CertificateStore;
  events: EventLog;
  statusIndex: StatusIndexAllocator;
  ownership: OwnershipStore;
  trust: TrustStore;
  /** The public issuance log: every certificate's entry, its tiles and checkpoints. */
  log: LogStore;
  /** The registry's own sealed secrets (status-index key, e-mail hash key, log key). */
  secrets: SecretStore;
  /** The registry clock, in epoch seconds. */
  now(): number;
}

export interface RegistryOptions {
  passphrase: string;
  /**
   * The brand that adopts a registry written before brands existed (its keys, tokens and
   * status lists): HALLMARK_ISSUER.
   */
  legacyBrand: string;
  now: () => number;
  statusListSize?: number;
  /** How long claim and transfer codes stay valid, in seconds (default 30 days). */
  claimCodeLifetime?: number;
  /** The PKCS#11 token brand keys may live in, and whether new keys are born there. */
  pkcs11?: { config: Pkcs11Config; newKeysInToken: boolean };
}

/** Builds the registry over an open, migrated database, adopting a pre-brands registry. */
export function createRegistry(db: Db, options: RegistryOptions): Registry {
  const brands = new BrandStore(db);
  const keys = new KeyStore(
    db,
    options.passphrase,
    options.pkcs11 && new Pkcs11Keys(options.pkcs11.config),
    options.pkcs11?.newKeysInToken ?? false,
  );
  const events = new EventLog(db);
  const secrets = new SecretStore(db, options.passphrase);
  const certificates = new CertificateStore(db);
  const adopted = brands.adoptLegacy(options.legacyBrand, options.now());
  if (adopted) {
    events.append({
      at: options.now(),
      actor: 'system:upgrade',
      action: 'brand.adopted_legacy_registry',
      detail: { brand: options.legacyBrand, ...adopted },
    });
  }
  const log = new LogStore(db);
  backfillLog({ db, log });
  return {
    db,
    log,
    brands,
    keys,
    tokens: new TokenStore(db),
    certificates,
    events,
    statusIndex: new StatusIndexAllocator(
      db,
      secrets,
      options.now,
      ...(options.statusListSize ? [options.statusListSize] : []),
    ),
    ownership: new OwnershipStore(db, {
      events,
      certificates,
      secrets,
      codeLifetime: options.claimCodeLifetime,
    }),
    trust: new TrustStore(db, brands, keys),
    secrets,
    now: options.now,
  };
}
