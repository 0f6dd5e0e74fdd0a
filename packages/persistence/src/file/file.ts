import type { PersistenceStorage } from '../storage';

/**
 * The four file operations {@link fileStorage} needs. Build one with {@link nodeFileSystem} or
 * {@link tauriFileSystem}, or write your own.
 *
 * @example
 * ```ts
 * const fs: FileSystem = nodeFileSystem(await import('node:fs/promises'));
 * ```
 */
export interface FileSystem {
  /** The file's text, or `null` when it does not exist. */
  read(path: string): Promise<string | null>;
  /** Creates or replaces the file with `text`, durably if the platform can (fsync). */
  write(path: string, text: string): Promise<void>;
  /** Atomically replaces `to` with `from`. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes the file; a missing file is not an error. */
  remove(path: string): Promise<void>;
}

/** The part of `node:fs/promises` that {@link nodeFileSystem} uses. */
interface NodeFsPromises {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  open(
    path: string,
    flags: string,
  ): Promise<{ writeFile(text: string): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
}

const isMissing = (error: unknown) => (error as { code?: unknown })?.code === 'ENOENT';
const dirOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')));

/**
 * A {@link FileSystem} over `node:fs/promises` (Node, Electron's main process, Bun, Deno's Node layer):
 * writes go through `open` + `writeFile` + `sync` (fsync) + `close`, and the directory is created on demand.
 * Pass the module in, so this package never imports Node built-ins itself.
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs/promises';
 * const storage = fileStorage(nodeFileSystem(fs), '/var/lib/my-app/state');
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function nodeFileSystem(fs: NodeFsPromises): FileSystem {
  return {
    async read(path) {
      try {
        return await fs.readFile(path, 'utf8');
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async write(path, text) {
      await fs.mkdir(dirOf(path) || '.', { recursive: true });
      const file = await fs.open(path, 'w');
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
    },
    rename: (from, to) => fs.rename(from, to),
    remove: (path) => fs.rm(path, { force: true }),
  };
}

/** The part of `@tauri-apps/plugin-fs` (v2) that {@link tauriFileSystem} uses. */
interface TauriFs {
  readTextFile(path: string, options?: { baseDir?: number }): Promise<string>;
  writeTextFile(path: string, data: string, options?: { baseDir?: number }): Promise<void>;
  rename(
    from: string,
    to: string,
    options?: { oldPathBaseDir?: number; newPathBaseDir?: number },
  ): Promise<void>;
  remove(path: string, options?: { baseDir?: number }): Promise<void>;
  exists(path: string, options?: { baseDir?: number }): Promise<boolean>;
  mkdir(path: string, options?: { baseDir?: number; recursive?: boolean }): Promise<void>;
}

/**
 * A {@link FileSystem} over Tauri's `@tauri-apps/plugin-fs` (v2), relative to `baseDir` (e.g.
 * `BaseDirectory.AppData`). Grant the plugin's `fs:allow-read-text-file`, `fs:allow-write-text-file`,
 * `fs:allow-rename`, `fs:allow-remove`, `fs:allow-exists` and `fs:allow-mkdir` for that directory. The plugin
 * exposes no fsync: the temporary file + rename still leaves the old or the new file after the app crashes;
 * after a power loss the OS decides.
 *
 * @example
 * ```ts
 * import { BaseDirectory, exists, mkdir, readTextFile, remove, rename, writeTextFile } from '@tauri-apps/plugin-fs';
 * const fs = tauriFileSystem({ exists, mkdir, readTextFile, remove, rename, writeTextFile }, BaseDirectory.AppData);
 * const storage = fileStorage(fs, 'state');
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function tauriFileSystem(fs: TauriFs, baseDir?: number): FileSystem {
  const at = baseDir === undefined ? {} : { baseDir };
  return {
    read: async (path) => ((await fs.exists(path, at)) ? fs.readTextFile(path, at) : null),
    async write(path, text) {
      const dir = dirOf(path);
      if (dir && !(await fs.exists(dir, at))) await fs.mkdir(dir, { ...at, recursive: true });
      await fs.writeTextFile(path, text, at);
    },
    rename: (from, to) =>
      fs.rename(from, to, baseDir === undefined ? {} : { oldPathBaseDir: baseDir, newPathBaseDir: baseDir }),
    remove: async (path) => {
      if (await fs.exists(path, at)) await fs.remove(path, at);
    },
  };
}

/**
 * A {@link PersistenceStorage} with one file per key in `dir` (the key percent-encoded, plus `.json`).
 * Each write goes to a temporary file in the same directory that is then renamed over the old one, so a
 * crash at any moment leaves the old file or the new one, never a torn one; a temporary file left by a
 * crash is overwritten by nothing and can be deleted by hand (`*.tmp`).
 *
 * @example
 * ```ts
 * import * as fs from 'node:fs/promises';
 * const applier = persistApplier(storeApplier, { key: 'settings', storage: fileStorage(nodeFileSystem(fs), './state') });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function fileStorage(fs: FileSystem, dir: string): PersistenceStorage {
  const pathOf = (key: string) =>
    `${dir.replace(/[\\/]+$/, '')}/${encodeURIComponent(key).replace(/[!'()*.]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}.json`;
  let seq = 0;
  return {
    getItem: (key) => fs.read(pathOf(key)),
    async setItem(key, value) {
      const path = pathOf(key);
      const temp = `${path}.${Date.now().toString(36)}${(seq++).toString(36)}.tmp`;
      try {
        await fs.write(temp, value);
        await fs.rename(temp, path);
      } catch (error) {
        await fs.remove(temp).catch(() => {}); // the write's own error is the one to report
        throw error;
      }
    },
    removeItem: (key) => fs.remove(pathOf(key)),
  };
}
