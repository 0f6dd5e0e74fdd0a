import { PersistenceError } from './errors';
import type { PersistenceStorage } from './storage';

const pipe = async (bytes: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> =>
  new Uint8Array(
    await new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream)).arrayBuffer(),
  );

/**
 * Compresses large records with gzip through the platform's `CompressionStream` (browsers, Node ≥ 18,
 * Tauri's webviews; no dependency), stored as base64 (which always starts with `H4sI`, the gzip magic).
 * Values shorter than `minLength` characters are stored as they are, and both forms are read back.
 * Compressed bytes that fail gzip's own CRC-32 or do not inflate are reported as `corrupt` and deleted.
 *
 * @example
 * ```ts
 * persistApplier(storeApplier, { key: 'catalog', storage: gzipStorage(indexedDBStorage(), { minLength: 4096 }) });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function gzipStorage(
  storage: PersistenceStorage,
  options: { minLength?: number } = {},
): PersistenceStorage {
  const { minLength = 1024 } = options;
  return {
    async getItem(key) {
      const stored = await storage.getItem(key);
      if (!stored?.startsWith('H4sI')) return stored;
      try {
        const binary = atob(stored);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
        return new TextDecoder().decode(await pipe(bytes, new DecompressionStream('gzip')));
      } catch (error) {
        throw new PersistenceError('load', 'corrupt', key, `gzip: ${error}; deleted, not applied`, error);
      }
    },
    async setItem(key, value) {
      if (value.length < minLength) return storage.setItem(key, value);
      const bytes = await pipe(new TextEncoder().encode(value), new CompressionStream('gzip'));
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000)
        binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return storage.setItem(key, btoa(binary));
    },
    removeItem: (key) => storage.removeItem(key),
  };
}
