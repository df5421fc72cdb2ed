/** `hallmark brands add|list`: the trust domains of the platform (the operator's commands). */
import type { Command } from 'commander';
import { addBrand } from '../../server/brands/add-brand.ts';
import { readKeyFile } from '../../server/keys/key-file.ts';
import { brandInputSchema, BrandExistsError } from '../../server/registry/brands.ts';
import { DuplicateKeyError } from '../../server/registry/key-store.ts';
import { SealError } from '../../server/keys/sealed.ts';
import type { SigningKey } from '../../server/keys/signing-key.ts';
import { CliError } from './io.ts';
import { cliActor, withRegistry } from './registry.ts';

/**
 * Opens a key file from `hallmark keys generate` (possibly made on another machine): its
 * passphrase is HALLMARK_KEY_FILE_PASSPHRASE, else HALLMARK_KEY_PASSPHRASE.
 */
export function importKeyFile(path: string): SigningKey {
  const passphrase =
    process.env.HALLMARK_KEY_FILE_PASSPHRASE ?? process.env.HALLMARK_KEY_PASSPHRASE;
  if (!passphrase)
    throw new CliError(
      `${path} is sealed: set HALLMARK_KEY_FILE_PASSPHRASE to the passphrase it was generated with`,
    );
  try {
    return readKeyFile(path, passphrase).key;
  } catch (error) {
    if (error instanceof SealError)
      throw new CliError(`cannot open ${path}: HALLMARK_KEY_FILE_PASSPHRASE is wrong`, 1);
    throw new CliError(`cannot use ${path}: ${(error as Error).message}`);
  }
}

export function registerBrandCommands(brands: Command): void {
  brands
    .command('add')
    .description('add a brand with its own signing key (generated, or from --key)')
    .requiredOption(
      '--code <code>',
      'brand code written in its certificates: 2-8 upper-case letters or digits',
    )
    .requiredOption('--name <name>', 'display name pages show ("Signed by …")')
    .option('--public-url <url>', "the brand's verification page, for its QR codes")
    .option('--key <file>', 'a key file from `hallmark keys generate` (an offline key ceremony)')
    .action((opts: { code: string; name: string; publicUrl?: string; key?: string }) => {
      const parsed = brandInputSchema.safeParse({
        code: opts.code,
        name: opts.name,
        ...(opts.publicUrl === undefined ? {} : { publicUrl: opts.publicUrl }),
      });
      if (!parsed.success)
        throw new CliError(
          parsed.error.issues
            .map(
              (i) =>
                `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${i.message}`,
            )
            .join('\n'),
        );
      const key = opts.key ? importKeyFile(opts.key) : undefined;
      withRegistry((registry, _config, session) => {
        try {
          const { brand, kid } = addBrand(registry, parsed.data, {
            actor: cliActor('brands add'),
            ...(key ? { key } : {}),
          });
          process.stderr.write(`added brand ${brand.code} "${brand.name}" with signing key:\n`);
          process.stdout.write(`${kid}\n`);
          session.trustChanged();
        } catch (error) {
          if (error instanceof BrandExistsError || error instanceof DuplicateKeyError)
            throw new CliError(error.message, 1);
          throw error;
        }
      });
    });

  brands
    .command('list')
    .description('list brands with their verification host and active key')
    .action(() => {
      withRegistry(
        (registry) => {
          for (const b of registry.brands.list()) {
            const active = registry.keys.list(b.code).find((k) => k.state === 'active');
            process.stdout.write(
              `${b.code.padEnd(9)}${b.name.padEnd(24)} ${(b.publicUrl ?? '(deployment URL)').padEnd(36)} ${active?.kid ?? '(no active key)'}\n`,
            );
          }
        },
        { needsKey: false },
      );
    });
}
