/** `hallmark tokens create|revoke|list` on the registry named by HALLMARK_DB. */
import { asciiUpper } from '../../shared/claims.ts';
import { type Command, InvalidArgumentError } from 'commander';
import { SCOPES, tokenLabelSchema, type Scope } from '../../server/registry/tokens.ts';
import { CliError } from './io.ts';
import { cliActor, existingBrands, nowSeconds, withRegistry } from './registry.ts';

const NO_KEY = { needsKey: false };

function brandList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => asciiUpper(s))];
}

function scopeList(value: string, previous: Scope[] = []): Scope[] {
  const scopes = value.split(',').map((s) => s.trim());
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s))
      throw new InvalidArgumentError(`unknown scope "${s}" (scopes: ${SCOPES.join(', ')})`);
  }
  return [...previous, ...(scopes as Scope[])];
}

export function registerTokenCommands(tokens: Command): void {
  tokens
    .command('create')
    .description('create an API token; prints the token alone on stdout (shown once)')
    .requiredOption(
      '--scope <scopes>',
      `scope(s), repeatable or comma-separated: ${SCOPES.join(', ')}`,
      scopeList,
    )
    .requiredOption('--label <label>', 'who uses it (appears in the audit trail), e.g. erp-sap')
    .option(
      '--brand <codes>',
      'the brand(s) it acts for, repeatable or comma-separated (default: HALLMARK_ISSUER)',
      brandList,
    )
    .option('--operator', "the operator's token: every brand, and brand management")
    .action((opts: { scope: Scope[]; label: string; brand?: string[]; operator?: boolean }) => {
      const label = tokenLabelSchema.safeParse(opts.label);
      if (!label.success) throw new CliError(`--label ${label.error.issues[0]!.message}`);
      if (opts.operator && opts.brand)
        throw new CliError('--operator acts for every brand: give it or --brand, not both');
      withRegistry((registry, config) => {
        const now = nowSeconds();
        const brands = opts.operator
          ? '*'
          : existingBrands(registry, opts.brand ?? [config.issuer]);
        const { token, info } = registry.tokens.create(label.data, opts.scope, brands, now);
        registry.events.append({
          at: now,
          actor: cliActor('tokens create'),
          action: 'token.created',
          detail: { id: info.id, label: info.label, scopes: info.scopes, brands: info.brands },
        });
        process.stderr.write(
          `created token ${info.id} "${info.label}" with scopes ${info.scopes.join(', ')} for ${info.brands === '*' ? 'every brand (operator)' : `brand ${info.brands.join(', ')}`}\n`,
        );
        process.stdout.write(`${token}\n`);
      }, NO_KEY);
    });

  tokens
    .command('revoke')
    .description('revoke a token by id (or the whole token); effective on its next request')
    .argument('<id>', 'token id as shown by `tokens list`, or the token itself')
    .action((id: string) => {
      withRegistry((registry) => {
        const now = nowSeconds();
        if (!registry.tokens.revoke(id, now)) throw new CliError(`no active token ${id}`, 1);
        registry.events.append({
          at: now,
          actor: cliActor('tokens revoke'),
          action: 'token.revoked',
          detail: { id: id.length > 12 ? id.slice(4, 16) : id },
        });
        process.stderr.write(`revoked ${id.length > 12 ? id.slice(4, 16) : id}\n`);
      }, NO_KEY);
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .action(() => {
      withRegistry((registry) => {
        for (const t of registry.tokens.list()) {
          const state =
            t.revokedAt === null
              ? 'active'
              : `revoked ${new Date(t.revokedAt * 1000).toISOString()}`;
          const brands = t.brands === '*' ? '*' : t.brands.join(',') || '(none)';
          process.stdout.write(
            `${t.id}  ${t.label.padEnd(24)} ${t.scopes.join(',').padEnd(20)} ${brands.padEnd(16)} ${state}\n`,
          );
        }
      }, NO_KEY);
    });
}
