/**
 * The watches this device owns: each owner key kept in IndexedDB (never sent anywhere but to
 * the watch's own brand, to hand the watch over). Small, so that a scan can say at once
 * whether this device holds the watch's key.
 */
export interface OwnedWatch {
  /** `<brand>/<serial>`. */
  id: string;
  issuer: string;
  serial: string;
  ownerKey: string;
  /** Which owner this device is (1 for the first). */
  owners: number;
  /** When this device became the owner (epoch seconds). */
  since: number;
}

/** Separates a certificate link from the transfer code in a seller's hand-over QR. */
export const HANDOVER_SEPARATOR = '~';

const DB = 'hallmark';
const STORE = 'owned';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB is not available'));
  });
}

async function run<T>(
  mode: IDBTransactionMode,
  act: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = act(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB aborted'));
    });
  } finally {
    db.close();
  }
}

export const ownedId = (issuer: string, serial: string) => `${issuer}/${serial}`;

/** The key this device holds for the watch, if any; undefined also when storage is unavailable. */
export async function getOwned(issuer: string, serial: string): Promise<OwnedWatch | undefined> {
  try {
    return (await run('readonly', (s) => s.get(ownedId(issuer, serial)))) as OwnedWatch | undefined;
  } catch {
    return undefined;
  }
}

/** Keeps a watch's key. @throws when the device cannot store it (the user must write it down). */
export async function putOwned(watch: OwnedWatch): Promise<void> {
  await run('readwrite', (s) => s.put(watch));
}

export async function deleteOwned(issuer: string, serial: string): Promise<void> {
  try {
    await run('readwrite', (s) => s.delete(ownedId(issuer, serial)));
  } catch {
    // nothing kept, nothing to delete
  }
}
