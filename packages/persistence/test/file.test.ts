import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createManualClock } from '@statesync/core/testing';
import { type PersistenceError, persistApplier } from '@statesync/persistence';
import { fileStorage, nodeFileSystem, tauriFileSystem } from '@statesync/persistence/file';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

vi.setConfig({ testTimeout: 60_000 });

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));
let root: string;
let child: string;
beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'statesync-persist-'));
  child = join(root, 'file-writer.mjs');
  await esbuild.build({
    entryPoints: [src('./fixtures/file-writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: child,
    alias: {
      '@statesync/core': src('../../core/src/index.ts'),
    },
    logLevel: 'silent',
  });
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

let n = 0;
const freshDir = () => join(root, `case-${++n}`);

function open<T>(dir: string) {
  const errors: PersistenceError[] = [];
  const painted: unknown[] = [];
  const applier = persistApplier<T>(
    { apply: (s) => void painted.push(s) },
    {
      key: 'settings',
      storage: fileStorage(nodeFileSystem(fs), dir),
      onError: (e) => void errors.push(e),
      clock: createManualClock(),
    },
  );
  return { applier, errors, painted };
}
const revision = (value: string) => value as never;

describe('file backend on node:fs/promises', () => {
  test('a record round-trips through a real file in a directory created on demand; no temporary file is left', async () => {
    const dir = join(freshDir(), 'nested', 'state');
    const writer = open<{ theme: string }>(dir);
    await writer.applier.apply({ revision: revision('3'), data: { theme: 'dark' }, epoch: 'boot-1' });
    await writer.applier.flush();
    expect(await fs.readdir(dir)).toEqual(['settings.json']);
    const text = await fs.readFile(join(dir, 'settings.json'), 'utf8');
    expect(JSON.parse(text.slice(8))).toMatchObject({
      revision: '3',
      epoch: 'boot-1',
      data: { theme: 'dark' },
    });

    const reader = open<{ theme: string }>(dir);
    expect(await reader.applier.restore()).toMatchObject({
      revision: '3',
      epoch: 'boot-1',
      data: { theme: 'dark' },
    });
    expect(reader.painted).toEqual([{ revision: '3', epoch: 'boot-1', data: { theme: 'dark' } }]);
    expect([...writer.errors, ...reader.errors]).toEqual([]);
  });

  test('no file: nothing restored, nothing reported', async () => {
    const reader = open(freshDir());
    expect(await reader.applier.restore()).toBeUndefined();
    expect(reader.errors).toEqual([]);
  });

  test('a file corrupted by hand (one byte changed, or truncated): reported as corrupt and deleted', async () => {
    for (const damage of [
      (t: string) => t.replace('"dark"', '"dork"'),
      (t: string) => t.slice(0, t.length - 5),
    ]) {
      const dir = freshDir();
      const writer = open<{ theme: string }>(dir);
      await writer.applier.apply({ revision: revision('3'), data: { theme: 'dark' } });
      await writer.applier.flush();
      const file = join(dir, 'settings.json');
      await fs.writeFile(file, damage(await fs.readFile(file, 'utf8')));
      const reader = open(dir);
      expect(await reader.applier.restore()).toBeUndefined();
      expect(reader.painted).toEqual([]);
      expect(reader.errors.map((e) => [e.operation, e.reason])).toEqual([['load', 'corrupt']]);
      await expect(fs.access(file)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  test('a failing write (the directory is a file) is reported as io; applies go on', async () => {
    const dir = freshDir();
    await fs.writeFile(dir, 'not a directory');
    const writer = open<number>(dir);
    await writer.applier.apply({ revision: revision('1'), data: 1 });
    await writer.applier.flush();
    await writer.applier.apply({ revision: revision('2'), data: 2 });
    await writer.applier.flush();
    expect(writer.painted).toHaveLength(2);
    expect(writer.errors.map((e) => [e.operation, e.reason, (e.cause as { code?: string }).code])).toEqual([
      ['save', 'io', 'EEXIST'],
      ['save', 'io', 'EEXIST'],
    ]);
  });

  test('keys become safe file names (percent-encoded, no dots or path separators)', async () => {
    const dir = freshDir();
    const storage = fileStorage(nodeFileSystem(fs), `${dir}/`);
    await storage.setItem('../cache:user/1*', 'x');
    expect(await fs.readdir(dir)).toEqual(['%2E%2E%2Fcache%3Auser%2F1%2A.json']);
    expect(await storage.getItem('../cache:user/1*')).toBe('x');
    await storage.removeItem('../cache:user/1*');
    await storage.removeItem('../cache:user/1*'); // missing: fine
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

/** Spawns the writer; resolves each line it prints through `onLine`, and when it exits. */
function runWriter(dir: string, from: number, hangAt?: number) {
  const args = [child, dir, String(from), ...(hangAt === undefined ? [] : [String(hangAt)])];
  const proc: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  const waiters: { match: (l: string) => boolean; resolve: () => void }[] = [];
  let buffer = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters]) if (w.match(line)) w.resolve();
    }
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    proc.on('exit', (code, signal) => resolve(signal ?? code)),
  );
  return {
    lines,
    exited,
    stderr: () => stderr,
    until: (match: (line: string) => boolean) =>
      new Promise<void>((resolve, reject) => {
        if (lines.some(match)) return resolve();
        waiters.push({ match, resolve });
        void exited.then(() => reject(new Error(`writer exited early: ${stderr}`)));
      }),
    kill: () => proc.kill('SIGKILL'),
  };
}

describe('crash safety: a process killed during writes leaves a complete old or new file', () => {
  test('killed halfway through writing the temporary file: the file still holds the last complete record', async () => {
    const dir = freshDir();
    const writer = runWriter(dir, 1, 6); // writes 1–5 complete, the 6th stops halfway
    await writer.until((l) => l === 'torn 6');
    writer.kill();
    expect(await writer.exited).toBe('SIGKILL');
    expect(writer.lines).toEqual(['1', '2', '3', '4', '5', 'torn 6']);
    const names = await fs.readdir(dir);
    expect(names).toContain('state.json');
    const temp = names.filter((f) => f.endsWith('.tmp'));
    expect(temp).toHaveLength(1); // the torn write, never renamed
    const torn = await fs.readFile(join(dir, temp[0] as string), 'utf8');
    expect(() => JSON.parse(torn.slice(8))).toThrow();
    expect(await readBackState(dir)).toBe(5);
  });

  test('killed at 12 arbitrary moments of back-to-back saves: every restart reads a whole record, never older than the last acknowledged one', async () => {
    const dir = freshDir();
    let next = 1;
    for (let run = 0; run < 12; run++) {
      const writer = runWriter(dir, next);
      // Let it acknowledge a few saves (a different number each run), then kill it wherever it is.
      const acks = 1 + ((run * 7) % 5);
      await writer.until(() => writer.lines.length >= acks);
      writer.kill();
      await writer.exited;
      const acknowledged = Math.max(...writer.lines.map(Number));
      const found = await readBackState(dir);
      expect(found).toBeGreaterThanOrEqual(acknowledged);
      expect(found).toBeLessThanOrEqual(acknowledged + 1); // the save in flight, if its rename happened
      next = found + 1;
    }
  });
});

/** Reads the writer's file back the way a restarted app does, and checks the record is one whole write. */
async function readBackState(dir: string): Promise<number> {
  const errors: PersistenceError[] = [];
  const applier = persistApplier<{ revision: number; filler: string }>(
    { apply: () => {} },
    { key: 'state', storage: fileStorage(nodeFileSystem(fs), dir), onError: (e) => void errors.push(e) },
  );
  const record = await applier.restore();
  expect(errors).toEqual([]);
  expect(record).toBeDefined();
  const { revision: rev, data } = record as NonNullable<typeof record>;
  expect(data.revision).toBe(Number(rev));
  expect(data.filler).toBe('x'.repeat(50_000 + (Number(rev) % 13) * 3_000));
  return Number(rev);
}

describe('tauriFileSystem: the plugin-fs call shapes', () => {
  test('reads, writes (mkdir on demand), renames and removes relative to baseDir', async () => {
    const files = new Map<string, string>();
    const dirs = new Set<string>();
    const calls: string[] = [];
    const at = (o?: { baseDir?: number }) => (o?.baseDir === 14 ? '' : 'WRONG BASEDIR ');
    type At = { baseDir?: number };
    const log = (o: At | undefined, line: string) => calls.push(`${at(o)}${line}`);
    const plugin = {
      async exists(p: string, o?: At) {
        log(o, `exists ${p}`);
        return files.has(p) || dirs.has(p);
      },
      async mkdir(p: string, o?: At & { recursive?: boolean }) {
        log(o, `mkdir ${p} ${o?.recursive}`);
        dirs.add(p);
      },
      async readTextFile(p: string, o?: At) {
        log(o, `read ${p}`);
        return files.get(p) as string;
      },
      async writeTextFile(p: string, d: string, o?: At) {
        log(o, `write ${p.replace(/\.[a-z0-9]+\.tmp$/, '.TMP')}`);
        files.set(p, d);
      },
      async rename(a: string, b: string, o?: { oldPathBaseDir?: number; newPathBaseDir?: number }) {
        calls.push(`${o?.oldPathBaseDir === 14 && o.newPathBaseDir === 14 ? '' : 'WRONG '}rename`);
        files.set(b, files.get(a) as string);
        files.delete(a);
      },
      async remove(p: string, o?: At) {
        log(o, `remove ${p}`);
        files.delete(p);
      },
    };
    const storage = fileStorage(tauriFileSystem(plugin, 14), 'state');
    expect(await storage.getItem('settings')).toBeNull();
    await storage.setItem('settings', 'v1');
    expect(await storage.getItem('settings')).toBe('v1');
    await storage.removeItem('settings');
    expect(calls).toEqual([
      'exists state/settings.json',
      'exists state',
      'mkdir state true',
      'write state/settings.json.TMP',
      'rename',
      'exists state/settings.json',
      'read state/settings.json',
      'exists state/settings.json',
      'remove state/settings.json',
    ]);
    expect([...files.keys()]).toEqual([]);
  });
});
