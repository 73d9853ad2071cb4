import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a small file so that after a crash it holds either the old or the new content, never a
 * torn mix: write a temporary sibling, fsync it, rename over, fsync the directory.
 */
export function writeFileAtomic(path: string, content: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, content, { mode: 0o600 });
  const fd = openSync(temp, 'r+');
  try {
    // `mode` applies only when the file is created; a leftover temporary file keeps its own.
    if (process.platform !== 'win32') fchmodSync(fd, 0o600);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  fsyncDirectory(path);
}

/** Makes a rename or creation of `path` durable: the directory entry itself is flushed. */
export function fsyncDirectory(path: string): void {
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
