// Expands the paths a user gives (files and folders, recursive) into YAML files, in a stable order.
// Only regular files are taken: a FIFO would block the reader for good and a device (a symlink to
// /dev/zero) never ends, so both are reported and skipped without being opened. Symlinks are
// followed (Kubernetes ConfigMap volumes are made of them) but a folder is entered once per walk,
// so a link to `.` or a loop of links is reported instead of walked forever.
import { readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, resolve } from "node:path";

const yamlFile = /\.ya?ml$/i;

export interface WalkedFile {
  path: string;
  /** Size, mtime, ctime (a chmod changes it) and inode: a change in any means "read again". */
  stamp: string;
  size: number;
}

export interface WalkResult {
  files: WalkedFile[];
  errors: Array<{ path: string; message: string }>;
  /**
   * Folders (and given paths) whose contents could not be seen this time: missing, unreadable or
   * unlistable. What was read from below them before stays in force.
   */
  unseen: string[];
}

export const stampOf = (st: Stats): string => `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;

function typeName(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

function errnoMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ELOOP") return "symlink loop (too many levels of symbolic links)";
  if (code === "ENOTDIR") return "not a directory";
  return (e as Error).message;
}

export function yamlFiles(paths: readonly string[]): WalkResult {
  const files = new Map<string, WalkedFile>();
  const errors: WalkResult["errors"] = [];
  const unseen: string[] = [];
  const entered = new Set<string>();
  const visit = (p: string, explicit: boolean): void => {
    let st: Stats;
    try {
      st = statSync(p);
    } catch (e) {
      // A dangling link to a non-YAML name is not ours to report.
      if (explicit || yamlFile.test(p)) errors.push({ path: p, message: errnoMessage(e) });
      if (explicit) unseen.push(p);
      return;
    }
    if (st.isDirectory()) {
      let real: string;
      let entries: string[];
      try {
        real = realpathSync(p);
        entries = readdirSync(p).sort();
      } catch (e) {
        errors.push({ path: p, message: `cannot list this folder: ${errnoMessage(e)}; what was read from it before stays in force` });
        unseen.push(p);
        return;
      }
      if (entered.has(real)) {
        errors.push({ path: p, message: `symlink loop or a second path to the same folder (${real}): read once; skipped here` });
        return;
      }
      entered.add(real);
      for (const entry of entries) {
        // Editors' and Kubernetes' hidden files (..data symlinks of ConfigMap volumes) are skipped.
        if (entry.startsWith(".")) continue;
        visit(join(p, entry), false);
      }
    } else if (explicit || yamlFile.test(p)) {
      if (!st.isFile()) {
        errors.push({ path: p, message: `${typeName(st)}, not a regular file; skipped (only regular files are read)` });
        unseen.push(p);
        return;
      }
      files.set(p, { path: p, stamp: stampOf(st), size: st.size });
    }
  };
  for (const p of paths) visit(p, true);
  const cwd = resolve(".") + "/";
  const rel = (f: string): string => (f.startsWith("/") ? f : resolve(f)).replace(cwd, "");
  return {
    files: [...files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => ({ ...f, path: rel(f.path) })),
    errors,
    unseen: unseen.map(rel),
  };
}
