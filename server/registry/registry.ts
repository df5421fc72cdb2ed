/** The registry: every store over one database, plus the issuing service. */
import type { Db } from '../db/database.ts';
import { IssuingService } from '../issuing/issuing-service.ts';
import { CertificateStore } from './certificates.ts';
import { EventLog } from './events.ts';
import { KeyStore } from './key-store.ts';
import { OwnershipStore } from './ownership.ts';
import { StatusIndexAllocator } from './status-index.ts';
import { TokenStore } from './tokens.ts';

export interface Registry {
  db: Db;
  keys: KeyStore;
  tokens: TokenStore;
  certificates: CertificateStore;
  events: EventLog;
  statusIndex: StatusIndexAllocator;
  issuing: IssuingService;
  ownership: OwnershipStore;
}

export interface RegistryOptions {
  passphrase: string;
  defaultIssuer: string;
  now: () => number;
  statusListSize?: number;
}

/** Builds the registry over an open, migrated database. */
export function createRegistry(db: Db, options: RegistryOptions): Registry {
  const keys = new KeyStore(db, options.passphrase);
  const certificates = new CertificateStore(db);
  const events = new EventLog(db);
  const statusIndex = new StatusIndexAllocator(db, options.statusListSize);
  const issuing = new IssuingService({
    db,
    keys,
    certificates,
    events,
    statusIndex,
    defaultIssuer: options.defaultIssuer,
    now: options.now,
  });
  return {
    db,
    keys,
    tokens: new TokenStore(db),
    certificates,
    events,
    statusIndex,
    issuing,
    ownership: new OwnershipStore(db),
  };
}
