/**
 * Asking the brand's registry about one certificate (`POST api/v1/check`), only when needed:
 * when the user asks for the owners, or when the certificate's key was compromised later (the
 * registry is then the only one who can say that it really issued this certificate). The
 * certificate itself is sent: the registry answers only its holder.
 */
export interface RegistryAnswer {
  owners: number;
  lastTransferAt: string | null;
  status: string;
  generation: number;
}

/** The registry's answer; 'not-issued' for its 404; undefined when it could not be asked. */
export async function askRegistry(
  jws: string,
  timeoutMs = 5000,
): Promise<RegistryAnswer | 'not-issued' | undefined> {
  if (!navigator.onLine) return undefined;
  try {
    const response = await fetch(new URL('api/v1/check', document.baseURI), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ certificate: jws }),
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Only the registry's own answer says "not issued": a static host or a CDN in front of a
    // published page (hallmark publish) answers 404 to anything it does not hold.
    if (response.status === 404) {
      const body = (await response.json().catch(() => undefined)) as
        { error?: { code?: unknown } } | undefined;
      return body?.error?.code === 'NOT_FOUND' ? 'not-issued' : undefined;
    }
    if (!response.ok) return undefined;
    return (await response.json()) as RegistryAnswer;
  } catch {
    return undefined;
  }
}
