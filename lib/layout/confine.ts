/**
 * Keeping file access inside a layout directory. A layout may come from anywhere (a USB
 * stick, an archive, another user's directory), so what is at a path is checked, not
 * assumed:
 * - a path is resolved to its real path, which must lie inside the layout's real root: a
 *   symlink within the layout is followed, one that leaves it (`blobs/sha256 -> /etc`,
 *   `index.json -> ~/.ssh/id_ed25519`) is refused before anything is read or written;
 * - files are opened with O_NONBLOCK, so a FIFO opens at once instead of waiting for a
 *   writer forever (in a libuv thread that no signal releases), and with O_NOFOLLOW, so
 *   the path cannot be swapped for a symlink between the check and the open; the handle is
 *   then fstat-ed and anything but a regular file (FIFO, socket, device, directory) is refused.
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { UnsafeLayoutError } from '../errors.js';

const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

function isMissing(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** kindOf names what a non-regular file is, for the error message. */
function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isSocket()) return 'a socket';
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a file';
}

/**
 * realInside returns the real path of `path`, which must be inside the layout at `root`
 * (UnsafeLayoutError otherwise), or undefined when nothing is there.
 */
export async function realInside(root: string, path: string): Promise<string | undefined> {
  let real: string;
  let realRoot: string;
  try {
    real = await realpath(path);
    realRoot = await realpath(root);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  if (real !== realRoot && !real.startsWith(`${realRoot}${sep}`)) {
    throw new UnsafeLayoutError(
      `oci-layout:${root}: ${relative(root, path)} leads to ${real} through a symbolic link, outside the layout; a layout must not lead out of itself — replace the link with the content`,
    );
  }
  return real;
}

/** notRegular is the error for a FIFO, socket, device or directory where a file belongs. */
export function notRegular(root: string, path: string, s: Stats): UnsafeLayoutError {
  return new UnsafeLayoutError(
    `oci-layout:${root}: ${relative(root, path)} is not a regular file but ${kindOf(s)}; a layout holds only regular files there — remove it`,
  );
}

/**
 * openInside opens a file of the layout for reading, or returns undefined when there is
 * none. Its real path must be inside the layout and it must be a regular file.
 */
export async function openInside(root: string, path: string): Promise<FileHandle | undefined> {
  const real = await realInside(root, path);
  if (real === undefined) return undefined;
  let fh: FileHandle;
  try {
    fh = await open(real, READ_FLAGS);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw notRegular(root, path, s);
  } catch (e) {
    await fh.close();
    throw e;
  }
  return fh;
}

/** readSmall reads an open file whole, refusing one over `limit` bytes before reading it. */
export async function readSmall(
  fh: FileHandle,
  limit: number,
  tooLarge: (size: number) => Error,
): Promise<Buffer> {
  const { size } = await fh.stat();
  if (size > limit) throw tooLarge(size);
  return await fh.readFile();
}
