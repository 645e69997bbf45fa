// Reads one input file safely: only a regular file (checked again on the open descriptor, in case it
// was swapped for a FIFO after the walk), never past the size limit, never blocking on a pipe.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/** The default for source.maxFileBytes: far above any hand-written manifest, well below memory trouble. */
export const defaultMaxFileBytes = 128 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; message: string };

const mib = (n: number): string => (n < 1024 * 1024 ? `${n} bytes` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

export function readInputFile(path: string, maxBytes: number): ReadResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, message: code === "EACCES" || code === "EPERM" ? "cannot read: permission denied" : `cannot read: ${(e as Error).message}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, message: "not a regular file; skipped (only regular files are read)" };
    if (st.size > maxBytes) return { ok: false, message: `is ${mib(st.size)}, over the ${mib(maxBytes)} limit (source.maxFileBytes); not read` };
    // Read to the end, whatever the size said a moment ago, but never past the limit.
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, st.size + 64 * 1024));
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len > maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, len * 2));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    if (len > maxBytes) return { ok: false, message: `grew over the ${mib(maxBytes)} limit (source.maxFileBytes) while being read; not read` };
    return { ok: true, text: buf.toString("utf8", 0, len) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, message: code === "EISDIR" ? "is a directory" : `cannot read: ${(e as Error).message}` };
  } finally {
    closeSync(fd);
  }
}
