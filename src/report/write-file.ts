// Writing report files so that a reader never sees half of one: the text goes to a temporary file
// beside the target, is flushed, then renamed over it. And checking, before minutes of measuring,
// that each target can be written at all.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** What is at `path` now: nothing, a regular file, a directory, or something else (a device, a FIFO). */
async function kindOf(path: string): Promise<'none' | 'file' | 'directory' | 'special'> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : 'special';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw err;
  }
}

async function writeAll(path: string, text: string, flags: number): Promise<void> {
  const handle = await open(path, flags, 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    if (flags & constants.O_CREAT) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `text` to `path` whole or not at all. A device or FIFO (/dev/stdout, a named pipe) is
 * written in place: renaming over it would replace the device node itself.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const kind = await kindOf(path);
  if (kind === 'directory') throw new Error(`${path} is a directory`);
  if (kind === 'special') return writeAll(path, text, constants.O_WRONLY | constants.O_APPEND);
  await mkdir(dirname(resolve(path)), { recursive: true });
  const temp = tempBeside(path);
  try {
    await writeAll(temp, text, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** Bytes written by the pre-flight check: enough to notice a full disk, little enough to be instant. */
const PROBE_BYTES = 64 * 1024;

/**
 * Why `path` cannot take a report, or undefined when it can: not a directory, its directory can be
 * created and written, and there is room for a little more than nothing.
 */
export async function outputPathProblem(path: string): Promise<string | undefined> {
  let kind;
  try {
    kind = await kindOf(path);
  } catch (err) {
    return (err as Error).message;
  }
  if (kind === 'directory') return 'it is a directory; give a file name inside it';
  if (kind === 'special') return undefined;
  const dir = dirname(resolve(path));
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    return `its directory cannot be created: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
  const temp = tempBeside(path);
  try {
    await writeAll(temp, ' '.repeat(PROBE_BYTES), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOSPC'
      ? 'no space left on its device'
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? `its directory is not writable (${code})`
        : (err as Error).message;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
