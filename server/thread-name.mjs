// Names the calling worker thread for the operating system, on Linux: `top -H`, `ps -L` and
// /proc/<pid>/task/<tid>/comm then tell the import's signers, its file reader, its writer and
// the checkpoint thread apart instead of showing "node" for each (bench:import reads them to
// say where an import's CPU goes). Plain JavaScript, so that worker entries load it as it is;
// types in thread-name.d.mts. Never for the main thread: its name is the process's (pkill node).
import { writeFileSync } from 'node:fs';

/** Names this thread (Linux keeps 15 bytes). Elsewhere, or if refused, nothing happens. */
export function nameThisThread(name) {
  if (process.platform !== 'linux') return;
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // a sandbox without /proc: the thread keeps its name
  }
}
