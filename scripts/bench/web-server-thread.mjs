// bench:web's server thread: a worker entry Node can load as it is, which lets tsx compile the
// TypeScript server it starts (web-server.ts). Benchmarks only; never part of the build.
import { register } from 'tsx/esm/api';

register();
await import('./web-server.ts');
