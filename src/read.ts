// Reading input files with a size cap: `@/dev/zero` or a stray multi-gigabyte file is refused after
// the first bytes past the limit, never read whole into memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { ChainruleError } from './errors.ts';

/** Expressions, declarations and problem files: 1 MB. */
export const TEXT_LIMIT_BYTES = 1 << 20;
/** Value files (--at): 64 MB of JSON, a 2000×2000 matrix. */
export const VALUES_LIMIT_BYTES = 64 << 20;

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Reads a file (or stdin, fd 0) as UTF-8, refusing it once it is longer than `limit` bytes. */
export function readCapped(file: string | 0, limit: number, what = file === 0 ? 'stdin' : file): string {
  let fd: number;
  try {
    fd = file === 0 ? 0 : openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ChainruleError(`cannot read ${what}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'error')}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const buffer = Buffer.alloc(1 << 16);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, buffer.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A non-blocking stdin with nothing yet: wait for it.
        if (code === 'EAGAIN') {
          sleep(5);
          continue;
        }
        if (code === 'EOF') break;
        throw new ChainruleError(`cannot read ${what}: ${code === 'EISDIR' ? 'it is a folder' : (code ?? 'error')}`);
      }
      if (n === 0) break;
      total += n;
      if (total > limit) throw new ChainruleError(`${what} is larger than ${formatBytes(limit)}`, { hint: 'inputs are limited in size; check that this is the file you meant' });
      chunks.push(Buffer.from(buffer.subarray(0, n)));
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const formatBytes = (n: number): string => (n >= 1 << 20 ? `${n / (1 << 20)} MB` : `${n / 1024} KB`);
