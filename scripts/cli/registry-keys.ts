/** `hallmark keys rotate|list` on the registry's signing keys, brand by brand. */
import { asciiUpper } from '../../shared/claims.ts';
import type { Command } from 'commander';
import { DuplicateKeyError } from '../../server/registry/key-store.ts';
import { importKeyFile } from './brands.ts';
import { CliError, timeOption } from './io.ts';
import { cliActor, existingBrands, nowSeconds, withRegistry } from './registry.ts';

export function registerRegistryKeyCommands(keys: Command): void {
  keys
    .command('rotate')
    .description("retire a brand's active signing key now and start signing with a new one")
    .option('--brand <code>', 'the brand (default: HALLMARK_ISSUER)')
    .option(
      '--key <file>',
      'the new key: a key file from `hallmark keys generate` (else generated)',
    )
    .option('--pkcs11', 'generate the new key inside the PKCS#11 token (HALLMARK_PKCS11_*)')
    .option('--reason <text>', 'why (kept in the audit trail)', 'scheduled rotation')
    .action((opts: { brand?: string; key?: string; pkcs11?: boolean; reason: string }) => {
      if (opts.key && opts.pkcs11) throw new CliError('--key and --pkcs11 exclude each other');
      rotateBrandKey(opts);
    });

  keys
    .command('compromised')
    .description(
      'mark a key compromised from a time: verifiers refuse what it signed from then (and ask the registry about the rest); an active key is replaced at once',
    )
    .argument('<kid>', 'the key id, from `keys list`')
    .requiredOption('--reason <text>', 'what happened (kept in the audit trail)')
    .option(
      '--since <time>',
      'when it may have left your hands (ISO 8601 or epoch seconds; default now)',
      timeOption,
    )
    .action((kid: string, opts: { reason: string; since?: number }) => {
      withRegistry((registry, _config, session) => {
        const now = nowSeconds();
        const since = Math.min(opts.since ?? now, now);
        let marked;
        try {
          marked = registry.keys.markCompromised(kid, since, now);
        } catch (error) {
          throw new CliError((error as Error).message, 1);
        }
        registry.events.append({
          at: now,
          actor: cliActor('keys compromised'),
          action: 'key.compromised',
          detail: {
            kid,
            brand: marked.brand,
            since,
            ...(marked.active ? { newKey: marked.active } : {}),
          },
          reason: opts.reason,
        });
        process.stderr.write(
          `${marked.brand}: key ${kid} compromised since ${new Date(since * 1000).toISOString()}${marked.active ? `; new signing key ${marked.active}` : ''}\n`,
        );
        session.trustChanged();
      });
    });

  keys
    .command('list')
    .description(
      'list signing keys with their brand, state, validity window and custody (sealed here, or pkcs11:<label>)',
    )
    .option('--brand <code>', 'one brand only')
    .action((opts: { brand?: string }) => {
      withRegistry(
        (registry) => {
          const iso = (s: number | null) => (s === null ? '…' : new Date(s * 1000).toISOString());
          for (const k of registry.keys.list(
            opts.brand === undefined ? undefined : asciiUpper(opts.brand),
          ))
            process.stdout.write(
              `${k.kid}  ${(k.brand ?? '-').padEnd(8)} ${k.state.padEnd(8)} ${iso(k.notBefore)} → ${iso(k.notAfter)}  ${k.custody === 'sealed' ? 'sealed' : `pkcs11:${k.custody.pkcs11}`}${k.compromisedSince === null ? '' : `  COMPROMISED since ${iso(k.compromisedSince)}`}\n`,
            );
        },
        { needsKey: false },
      );
    });
}

/**
 * Makes a new key the brand's active one (retiring the current one, if any): a key file's key,
 * a key generated in the PKCS#11 token, or a key generated here and sealed, as configured.
 * Prints the new kid; the audit trail records where the key came from.
 */
export function rotateBrandKey(opts: {
  brand?: string;
  key?: string;
  pkcs11?: boolean;
  reason: string;
}): void {
  const imported = opts.key ? importKeyFile(opts.key) : undefined;
  withRegistry((registry, config, session) => {
    const [brand] = existingBrands(registry, [
      (opts.brand === undefined ? undefined : asciiUpper(opts.brand)) ?? config.issuer,
    ]);
    const now = nowSeconds();
    let rotated;
    let next;
    try {
      next =
        imported ?? registry.keys.newKey(brand!, now, opts.pkcs11 ?? config.pkcs11?.newKeysInToken);
      rotated = registry.keys.rotate(brand!, now, next);
    } catch (error) {
      if (error instanceof DuplicateKeyError) throw new CliError(error.message, 1);
      throw error;
    }
    registry.events.append({
      at: now,
      actor: cliActor('keys rotate'),
      action: 'key.rotated',
      detail: {
        brand,
        ...rotated,
        keyOrigin: imported
          ? 'imported'
          : next.pkcs11Label
            ? 'generated in the PKCS#11 token'
            : 'generated',
        ...(next.pkcs11Label ? { pkcs11Label: next.pkcs11Label } : {}),
      },
      reason: opts.reason,
    });
    process.stderr.write(
      `${brand}: retired ${rotated.retired ?? '(none)'}; new signing key${next.pkcs11Label ? ` (PKCS#11 "${next.pkcs11Label}")` : ''}:\n`,
    );
    process.stdout.write(`${rotated.active}\n`);
    session.trustChanged();
  });
}
