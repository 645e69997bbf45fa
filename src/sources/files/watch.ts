// Watches the input paths and calls back (debounced) when anything below them changes. Editors
// save by rename and Kubernetes ConfigMap volumes swap a symlink, so events are only a hint: the
// FileSet then compares sizes and mtimes to find what really changed.
import { watch, type FSWatcher, statSync } from "node:fs";
import { dirname } from "node:path";

export interface Watcher {
  close(): void;
}

export function watchPaths(paths: readonly string[], onChange: () => void, debounceMs = 5): Watcher {
  const watchers: FSWatcher[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  const targets = new Set<string>();
  for (const p of paths) {
    try {
      // A single file is watched through its folder, so a rename-on-save is seen too.
      targets.add(statSync(p).isDirectory() ? p : dirname(p));
    } catch {
      targets.add(dirname(p));
    }
  }
  for (const t of targets) {
    try {
      watchers.push(watch(t, { recursive: true }, fire));
    } catch {
      // The folder may appear later; a periodic rescan (see run) covers that case.
    }
  }
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
