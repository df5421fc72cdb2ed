/** `hallmark keys rotate|list` on the registry's signing keys. */
import type { Command } from 'commander';
import { cliActor, nowSeconds, withRegistry } from './registry.ts';

export function registerRegistryKeyCommands(keys: Command): void {
  keys
    .command('rotate')
    .description('retire the active signing key now and start signing with a new one')
    .option('--reason <text>', 'why (kept in the audit trail)', 'scheduled rotation')
    .action((opts: { reason: string }) => {
      withRegistry((registry) => {
        const now = nowSeconds();
        const { retired, active } = registry.keys.rotate(now);
        registry.events.append({
          at: now,
          actor: cliActor('keys rotate'),
          action: 'key.rotated',
          detail: { retired, active },
          reason: opts.reason,
        });
        process.stderr.write(`retired ${retired ?? '(none)'}; new signing key:\n`);
        process.stdout.write(`${active}\n`);
      });
    });

  keys
    .command('list')
    .description('list signing keys with their state and validity window')
    .action(() => {
      withRegistry((registry) => {
        const iso = (s: number | null) => (s === null ? '…' : new Date(s * 1000).toISOString());
        for (const k of registry.keys.list())
          process.stdout.write(
            `${k.kid}  ${k.state.padEnd(8)} ${iso(k.notBefore)} → ${iso(k.notAfter)}\n`,
          );
      });
    });
}
