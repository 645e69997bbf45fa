// File mode as a Source: a FileSet kept fresh by watching (and a slow rescan for missed events).
import { existsSync } from "node:fs";
import type { Source } from "../source.ts";
import type { StoredObject } from "../../store/types.ts";
import type { Problem } from "../../validate/problems.ts";
import type { SourceStatus } from "../../server/status-types.ts";
import { FileSet, type FileSetOptions } from "./fileset.ts";
import { watchPaths, type Watcher } from "./watch.ts";

const rescanMs = 10_000;

export class FileSource implements Source {
  private readonly files: FileSet;
  private watcher: Watcher | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private status: SourceStatus = { mode: "files", state: "starting", objects: 0 };
  private cached: StoredObject[] = [];
  private issues: Problem[] = [];
  private onChange: () => void = () => {};
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly paths: readonly string[],
    opts: FileSetOptions = {},
  ) {
    this.files = new FileSet(paths, opts);
  }

  async start(onChange: () => void): Promise<void> {
    this.onChange = onChange;
    await this.refresh(true);
    this.watcher = watchPaths(this.paths, () => void this.refresh(false));
    // Events can be missed (a folder created after start, network file systems): rescan slowly.
    this.timer = setInterval(() => void this.refresh(false), rescanMs);
  }

  /**
   * Re-reads what changed on disk now (SIGHUP). One refresh runs at a time (a large file is read
   * off the main thread, so they can overlap); a request meanwhile runs once more after it.
   */
  async refresh(initial: boolean): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running; // settles after the queued read too
    }
    this.running = (async () => {
      await this.refreshOnce(initial);
      while (this.again) {
        this.again = false;
        await this.refreshOnce(false);
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async refreshOnce(initial: boolean): Promise<void> {
    const r = await this.files.refresh();
    // A change waiting to settle: look again when the window has passed, events or not.
    if (r.retryInMs !== undefined && !this.settleTimer) {
      this.settleTimer = setTimeout(() => {
        this.settleTimer = undefined;
        void this.refresh(false);
      }, r.retryInMs + 10);
    }
    if (r.changed.length === 0 && !initial) return;
    this.cached = this.files.objects();
    this.issues = r.problems;
    // A configured path that does not exist is an error (/readyz says which), not an empty input.
    const missing = this.paths.filter((p) => !existsSync(p));
    this.status =
      missing.length === 0
        ? { mode: "files", state: "synced", lastSyncAt: new Date().toISOString(), objects: this.cached.length }
        : {
            mode: "files",
            state: "error",
            message: `source.paths: no such file or directory: ${missing.join(", ")}`,
            lastSyncAt: new Date().toISOString(),
            objects: this.cached.length,
          };
    this.onChange();
  }

  objects(): StoredObject[] {
    return this.cached;
  }

  problems(): Problem[] {
    return this.issues;
  }

  state(): SourceStatus {
    return this.status;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.watcher?.close();
  }
}
