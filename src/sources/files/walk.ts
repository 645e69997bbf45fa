// Expands the paths a user gives (files and folders, recursive) into YAML files, in a stable order.
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const yamlFile = /\.ya?ml$/i;

export interface WalkResult {
  files: string[];
  errors: Array<{ path: string; message: string }>;
}

export function yamlFiles(paths: readonly string[]): WalkResult {
  const files = new Set<string>();
  const errors: WalkResult["errors"] = [];
  const visit = (p: string, explicit: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      errors.push({ path: p, message: (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (e as Error).message });
      return;
    }
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        // Editors' and Kubernetes' hidden files (..data symlinks of ConfigMap volumes) are skipped.
        if (entry.startsWith(".")) continue;
        visit(join(p, entry), false);
      }
    } else if (explicit || yamlFile.test(p)) {
      files.add(p);
    }
  };
  for (const p of paths) visit(p, true);
  return { files: [...files].sort().map((f) => (f.startsWith("/") ? f : resolve(f)).replace(resolve(".") + "/", "")), errors };
}
