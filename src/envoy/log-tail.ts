// Envoy writes its stdout and stderr to a file in the runtime folder instead of a pipe to edgegate:
// a pipe would break when edgegate dies, and Envoy must keep running then (a restarted edgegate
// adopts it). edgegate follows the file and forwards each line into its own structured log.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from "node:fs";

export interface LogTailOptions {
  intervalMs?: number;
  /** Once everything up to here is forwarded, the file is emptied (Envoy appends with O_APPEND). */
  maxBytes?: number;
}

export class LogTail {
  private offset: number;
  private partial = "";
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly fd: number;
  private readonly decoder = new TextDecoder();
  private readonly maxBytes: number;

  /** Starts at the current end of the file: what was written before is not forwarded again. */
  constructor(
    path: string,
    private readonly onLine: (line: string) => void,
    private readonly opts: LogTailOptions = {},
  ) {
    this.fd = openSync(path, "a+");
    this.offset = fstatSync(this.fd).size;
    this.maxBytes = opts.maxBytes ?? 16 << 20;
  }

  start(): void {
    this.timer ??= setInterval(() => this.poll(), this.opts.intervalMs ?? 100);
    this.timer.unref?.();
  }

  /** Forwards what is there now (also the last partial line) and stops. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.poll();
    if (this.partial.trim() !== "") this.onLine(this.partial);
    this.partial = "";
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  poll(): void {
    let size: number;
    try {
      size = fstatSync(this.fd).size;
    } catch {
      return;
    }
    if (size < this.offset) this.offset = 0; // emptied by someone else
    const buf = Buffer.allocUnsafe(64 * 1024);
    while (this.offset < size) {
      const n = readSync(this.fd, buf, 0, Math.min(buf.length, size - this.offset), this.offset);
      if (n <= 0) break;
      this.offset += n;
      this.partial += this.decoder.decode(buf.subarray(0, n), { stream: true });
      let nl: number;
      while ((nl = this.partial.indexOf("\n")) >= 0) {
        const line = this.partial.slice(0, nl);
        this.partial = this.partial.slice(nl + 1);
        if (line.trim() !== "") this.onLine(line);
      }
    }
    // Bounded: everything read has been forwarded, so the file can start over. A line Envoy writes
    // between the read and the truncation is lost; that is the price of not rotating.
    if (this.offset >= this.maxBytes && this.partial === "") {
      ftruncateSync(this.fd, 0);
      this.offset = 0;
    }
  }
}
