/**
 * Numbered migrations, applied in order at start inside one transaction each. Never edit a
 * released migration: add the next number.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'registry',
    sql: `
      CREATE TABLE keys (
        kid          TEXT PRIMARY KEY,
        public_jwk   TEXT NOT NULL,
        sealed       TEXT NOT NULL,             -- private seed, scrypt + AES-256-GCM
        state        TEXT NOT NULL CHECK (state IN ('active', 'retired')),
        not_before   INTEGER NOT NULL,
        not_after    INTEGER,
        created_at   INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX keys_one_active ON keys(state) WHERE state = 'active';

      CREATE TABLE status_lists (
        id           INTEGER PRIMARY KEY,       -- list number: index / size
        size         INTEGER NOT NULL,
        multiplier   INTEGER NOT NULL,          -- odd: position = seq * multiplier mod size
        offset       INTEGER NOT NULL,
        next_seq     INTEGER NOT NULL DEFAULT 0
      ) STRICT;

      CREATE TABLE certificates (
        id           INTEGER PRIMARY KEY,
        issuer       TEXT NOT NULL,
        serial       TEXT NOT NULL,
        generation   INTEGER NOT NULL,
        status       TEXT NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'revoked', 'stolen', 'replaced')),
        status_reason TEXT,
        status_changed_at INTEGER,
        status_index INTEGER NOT NULL UNIQUE,
        kid          TEXT NOT NULL REFERENCES keys(kid),
        claims       TEXT NOT NULL,             -- canonical JSON, exactly the signed payload
        jws          TEXT NOT NULL,
        issued_at    INTEGER NOT NULL,
        UNIQUE (issuer, serial, generation)
      ) STRICT;
      CREATE INDEX certificates_serial ON certificates(serial, generation DESC);

      CREATE TABLE tokens (
        id           TEXT PRIMARY KEY,          -- public part of the token
        secret_hash  BLOB NOT NULL,             -- SHA-256 of the secret part
        label        TEXT NOT NULL,
        scopes       TEXT NOT NULL,             -- space-separated
        created_at   INTEGER NOT NULL,
        revoked_at   INTEGER
      ) STRICT;

      CREATE TABLE events (
        id           INTEGER PRIMARY KEY,
        at           INTEGER NOT NULL,
        actor        TEXT NOT NULL,             -- token label, or cli:<command>
        action       TEXT NOT NULL,
        serial       TEXT,
        detail       TEXT,                      -- JSON
        reason       TEXT
      ) STRICT;
      CREATE INDEX events_serial ON events(serial);
      -- The audit trail is append-only.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    `,
  },
  {
    version: 2,
    name: 'idempotency keys',
    sql: `
      CREATE TABLE idempotency_keys (
        token_id     TEXT NOT NULL,             -- keys are per token: clients never collide
        key          TEXT NOT NULL,
        request_hash TEXT NOT NULL,             -- the same key with another body is refused
        status       INTEGER NOT NULL,
        response     TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (token_id, key)
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'status list versions and ownership',
    sql: `
      -- Bumped in the transaction of every status change in the list: builders compare it.
      ALTER TABLE status_lists ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

      -- Ownership of a watch (issuer + serial, across re-issued cards), without personal data.
      CREATE TABLE ownership (
        issuer           TEXT NOT NULL,
        serial           TEXT NOT NULL,
        owners           INTEGER NOT NULL DEFAULT 0,
        last_transfer_at INTEGER,
        owner_key_hash   BLOB,                  -- the current owner's secret, to start a transfer
        code_hash        BLOB,                  -- the pending one-time claim or transfer code
        code_kind        TEXT CHECK (code_kind IN ('claim', 'transfer')),
        code_created_at  INTEGER,
        failed_attempts  INTEGER NOT NULL DEFAULT 0,
        locked_until     INTEGER,
        email_hash       BLOB,                  -- optional, salted hash only
        PRIMARY KEY (issuer, serial)
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'index of non-active certificates',
    sql: `
      -- Status lists read only the flagged few (~1 %): a partial index keeps the build from
      -- scanning every certificate.
      CREATE INDEX certificates_flagged ON certificates(status_index) WHERE status != 'active';
    `,
  },
  {
    version: 5,
    name: 'brands as trust domains',
    sql: `
      -- A brand (maison) is a trust domain: its own keys, tokens, status lists and QR host.
      CREATE TABLE brands (
        code         TEXT PRIMARY KEY CHECK (code GLOB '[A-Z0-9]*' AND length(code) BETWEEN 2 AND 8),
        name         TEXT NOT NULL,
        public_url   TEXT,                      -- the brand's verification host, for its QR codes
        created_at   INTEGER NOT NULL
      ) STRICT;

      -- Keys sign for exactly one brand; one active key per brand. NULL only in a registry
      -- written before brands existed, until the registry adopts it (server/registry/brands.ts).
      ALTER TABLE keys ADD COLUMN brand TEXT REFERENCES brands(code);
      DROP INDEX keys_one_active;
      CREATE UNIQUE INDEX keys_one_active_per_brand ON keys(brand) WHERE state = 'active';

      -- '*' for the operator's tokens (every brand), else the space-separated brand codes.
      ALTER TABLE tokens ADD COLUMN brands TEXT;

      -- Each status list (a block of 2^20 indexes) belongs to one brand and is signed by its key.
      ALTER TABLE status_lists ADD COLUMN brand TEXT REFERENCES brands(code);

      -- The operator's root public keys (never the private key) and the installed trust lists.
      CREATE TABLE trust_roots (
        kid          TEXT PRIMARY KEY,
        public_jwk   TEXT NOT NULL,
        added_at     INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE trust_lists (
        seq          INTEGER PRIMARY KEY,
        jws          TEXT NOT NULL,
        installed_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 6,
    name: 'keyed status-index permutation and registry secrets',
    sql: `
      -- How a list maps sequence numbers to positions: NULL for the affine map of lists made
      -- before version 6 (kept for their existing indexes, closed to new ones), 'feistel-v1'
      -- for a keyed pseudo-random permutation (server/registry/status-index.ts).
      ALTER TABLE status_lists ADD COLUMN permutation TEXT;

      -- Secrets of the registry itself (the status-index key, the e-mail hash key), sealed
      -- under the key passphrase like the signing keys.
      CREATE TABLE registry_secrets (
        name         TEXT PRIMARY KEY,
        sealed       TEXT NOT NULL,
        created_at   INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'idempotency retention and held stolen reports',
    sql: `
      -- Idempotency keys are purged after their retention period (HALLMARK_IDEMPOTENCY_HOURS).
      CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);

      -- Stolen reports over a token's hourly allowance wait here for a brand admin's review.
      CREATE TABLE stolen_reports_held (
        id           INTEGER PRIMARY KEY,
        issuer       TEXT NOT NULL,
        serial       TEXT NOT NULL,
        token_id     TEXT NOT NULL,
        actor        TEXT NOT NULL,
        reason       TEXT,
        at           INTEGER NOT NULL,
        decided_at   INTEGER,
        decision     TEXT CHECK (decision IN ('approved', 'rejected'))
      ) STRICT;
      CREATE INDEX stolen_reports_pending ON stolen_reports_held(issuer) WHERE decided_at IS NULL;
      CREATE INDEX stolen_reports_by_token ON stolen_reports_held(token_id, at);
      -- Recent events of one kind (a token's stolen reports in the last hour).
      CREATE INDEX events_action_at ON events(action, at);
    `,
  },
  {
    version: 8,
    name: 'compromised keys',
    sql: `
      -- A key known to be in someone else's hands from this time on (\`hallmark keys
      -- compromised\`): verifiers refuse what it signed from then, and ask the registry about
      -- what it claims to have signed before.
      ALTER TABLE keys ADD COLUMN compromised_since INTEGER;
    `,
  },
  {
    version: 9,
    name: 'the issuance log',
    sql: `
      -- The public issuance log (C2SP tlog-tiles): its entries, the hashes its tiles hold
      -- (level 0: leaf hashes; level L: heads of complete subtrees of 256^L leaves), and the
      -- checkpoints it signed.
      CREATE TABLE log_entries (
        idx          INTEGER PRIMARY KEY,
        entry        BLOB NOT NULL
      ) STRICT;
      CREATE TABLE log_hashes (
        level        INTEGER NOT NULL,
        idx          INTEGER NOT NULL,
        hash         BLOB NOT NULL,
        PRIMARY KEY (level, idx)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE log_checkpoints (
        size         INTEGER PRIMARY KEY,
        note         TEXT NOT NULL,
        at           INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 10,
    name: 'certificates in the issuance log',
    sql: `
      -- Each certificate's place in the public log, written in the same transaction as the row.
      -- Certificates issued before the log get theirs at start (backfillLog).
      ALTER TABLE certificates ADD COLUMN log_index INTEGER;
      -- One row per entry, with its leaf hash (the level-0 tiles) and the certificate it stands
      -- for, whose entry (0x01 || SHA-256(JWS)) is derived from the certificate when served:
      -- one small insert per certificate on the issuing path. Entries of other kinds are
      -- stored. (No release wrote to version 9's table: the log was not wired into issuing.)
      DROP TABLE log_entries;
      CREATE TABLE log_entries (
        idx            INTEGER PRIMARY KEY,
        leaf           BLOB NOT NULL,
        certificate_id INTEGER,             -- written with its certificate (no FK check per row)
        entry          BLOB,
        CHECK ((certificate_id IS NULL) <> (entry IS NULL))
      ) STRICT;
      -- What a certificate says never changes once written (its log index is set once).
      CREATE TRIGGER certificates_immutable BEFORE UPDATE OF issuer, serial, generation, kid,
        claims, jws, issued_at, status_index ON certificates
        BEGIN SELECT RAISE(ABORT, 'a certificate never changes'); END;
      CREATE TRIGGER certificates_log_index_once BEFORE UPDATE OF log_index ON certificates
        WHEN OLD.log_index IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a certificate''s log index never changes'); END;
      -- Level 0 lives in log_entries.leaf from now on.
      DELETE FROM log_hashes WHERE level = 0;
      -- The log's identity, fixed at creation (its origin line and verifier key), and its
      -- witnesses: '<witness vkey>@<submission URL>' items separated by spaces, and how many
      -- cosignatures verifiers are told (in the trust list) to require.
      CREATE TABLE log_settings (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        origin       TEXT NOT NULL,
        vkey         TEXT NOT NULL,
        witnesses    TEXT NOT NULL DEFAULT '',
        quorum       INTEGER NOT NULL DEFAULT 0,
        created_at   INTEGER NOT NULL
      ) STRICT;
      -- What each witness last cosigned (tlog-witness: the old size of the next request).
      CREATE TABLE log_witness_state (
        name         TEXT PRIMARY KEY,
        size         INTEGER NOT NULL
      ) STRICT;
      -- The log only grows: entries and tile hashes are never changed or removed.
      CREATE TRIGGER log_entries_no_update BEFORE UPDATE ON log_entries
        BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
      CREATE TRIGGER log_entries_no_delete BEFORE DELETE ON log_entries
        BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
      CREATE TRIGGER log_hashes_no_update BEFORE UPDATE ON log_hashes
        BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
      CREATE TRIGGER log_hashes_no_delete BEFORE DELETE ON log_hashes
        BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END;
    `,
  },
  {
    version: 11,
    name: 'keys in a hardware token',
    sql: `
      -- Where a key's private half lives: sealed in this registry, or in a PKCS#11 token under
      -- a label (then 'sealed' is empty: the registry holds no key material for it).
      ALTER TABLE keys ADD COLUMN custody TEXT NOT NULL DEFAULT 'sealed'
        CHECK (custody IN ('sealed', 'pkcs11'));
      ALTER TABLE keys ADD COLUMN pkcs11_label TEXT;
    `,
  },
  {
    version: 12,
    name: 'status indexes unique by allocation',
    sql: `
      -- A status index is a keyed permutation of its allocation (list, sequence number), so a
      -- unique allocation is a unique index. Uniqueness is now enforced on the allocation, which
      -- grows in order, instead of on the index itself, which is random: inserting random keys
      -- into a unique index cost bulk imports a B-tree page rewrite per row. Certificates from
      -- before keep their indexes (unique under the old constraint) with no allocation
      -- recorded: their lists' counters are past them, so no new allocation repeats theirs.
      -- SQLite cannot drop a column's UNIQUE: the table is rebuilt.
      CREATE TABLE certificates_v12 (
        id           INTEGER PRIMARY KEY,
        issuer       TEXT NOT NULL,
        serial       TEXT NOT NULL,
        generation   INTEGER NOT NULL,
        status       TEXT NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'revoked', 'stolen', 'replaced')),
        status_reason TEXT,
        status_changed_at INTEGER,
        status_index INTEGER NOT NULL,
        kid          TEXT NOT NULL REFERENCES keys(kid),
        claims       TEXT NOT NULL,             -- canonical JSON, exactly the signed payload
        jws          TEXT NOT NULL,
        issued_at    INTEGER NOT NULL,
        log_index    INTEGER,
        status_list  INTEGER,                   -- the allocation: list id and sequence number
        status_seq   INTEGER,
        UNIQUE (issuer, serial, generation),
        UNIQUE (status_list, status_seq),
        CHECK ((status_list IS NULL) = (status_seq IS NULL))
      ) STRICT;
      INSERT INTO certificates_v12 (id, issuer, serial, generation, status, status_reason,
          status_changed_at, status_index, kid, claims, jws, issued_at, log_index)
        SELECT id, issuer, serial, generation, status, status_reason, status_changed_at,
          status_index, kid, claims, jws, issued_at, log_index FROM certificates;
      DROP TABLE certificates;
      ALTER TABLE certificates_v12 RENAME TO certificates;
      CREATE INDEX certificates_serial ON certificates(serial, generation DESC);
      CREATE INDEX certificates_flagged ON certificates(status_index) WHERE status != 'active';
      CREATE TRIGGER certificates_immutable BEFORE UPDATE OF issuer, serial, generation, kid,
        claims, jws, issued_at, status_index, status_list, status_seq ON certificates
        BEGIN SELECT RAISE(ABORT, 'a certificate never changes'); END;
      CREATE TRIGGER certificates_log_index_once BEFORE UPDATE OF log_index ON certificates
        WHEN OLD.log_index IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'a certificate''s log index never changes'); END;
    `,
  },
  {
    version: 13,
    name: 'ownership recovery links',
    // Recovering a lost owner key by e-mail: one-time links, kept as hashes.
    sql: `
      CREATE TABLE ownership_recoveries (
        token_hash   BLOB PRIMARY KEY,
        issuer       TEXT NOT NULL,
        serial       TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        used_at      INTEGER
      ) STRICT;
      CREATE INDEX ownership_recoveries_watch ON ownership_recoveries(issuer, serial, created_at);
    `,
  },
  {
    version: 14,
    name: 'code lifetimes',
    // A transfer code may live shorter than the default (a hand-over shown on a screen).
    sql: `ALTER TABLE ownership ADD COLUMN code_expires_at INTEGER;`,
  },
  {
    version: 15,
    name: 'rate limits shared by every process and node',
    sql: `
      CREATE TABLE rate_limits (
        key          TEXT PRIMARY KEY,          -- limiter prefix and client address
        hits         INTEGER NOT NULL,
        reset_at     INTEGER NOT NULL           -- epoch milliseconds: the window's end
      ) STRICT;
      CREATE INDEX rate_limits_reset ON rate_limits(reset_at);
    `,
  },
  {
    version: 16,
    name: 'no serial-only index on certificates',
    // Every certificate lookup names its brand, and the unique (issuer, serial, generation)
    // index answers it; the index on serial alone served no query and cost every issue a
    // B-tree insert (about 2 % of a bulk import).
    sql: `DROP INDEX IF EXISTS certificates_serial;`,
  },
];
