/** The certificate in the page's own link (its fragment), for the checks made at load. */
import { HANDOVER_SEPARATOR } from './owned.ts';

/**
 * The page's link as a certificate code, or undefined when its fragment holds none to check
 * at once (no fragment, an account recovery, a seller's hand-over code: main.ts handles those).
 */
export function ownLink(): { fragment: string; input: string } | undefined {
  const fragment = location.hash.slice(1);
  if (!fragment || fragment.startsWith('recover=') || fragment.includes(HANDOVER_SEPARATOR))
    return undefined;
  return { fragment, input: `${location.origin}${location.pathname}#${fragment}` };
}
