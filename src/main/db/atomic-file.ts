import { closeSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { sync as writeFileAtomicSync } from 'write-file-atomic';

/**
 * Writes a small file so that after a crash it holds either the old or the new content, never a
 * torn mix. write-file-atomic writes a uniquely named temporary sibling, fsyncs it, sets its mode
 * (0600 even when a leftover file had another) and renames it over; it does not flush the directory,
 * so the rename itself is made durable here.
 */
export function writeFileAtomic(path: string, content: string): void {
  writeFileAtomicSync(path, content, { mode: 0o600, fsync: true });
  fsyncDirectory(path);
}

/** Makes a rename or creation of `path` durable: the directory entry itself is flushed. */
export function fsyncDirectory(path: string): void {
  // Windows cannot open a directory as a file (EISDIR/EPERM), and NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Makes the content of an existing file `path` durable (before it is renamed into place). */
export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
