#!/usr/bin/env node
// The `hallmark` command. The sources are TypeScript run through tsx's loader, so the
// repository needs no build step for the server and the command line.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/cli/main.ts');
