// Finding executables: Envoy itself (config.envoy.path, looked up on PATH like a shell would).
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

function isExecutableFile(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `name` (a path with a slash is taken as-is), or null when there is none. */
export function findExecutable(name: string, pathEnv: string | undefined): string | null {
  if (name === "") return null;
  if (name.includes("/")) return isExecutableFile(name) ? name : null;
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (dir === "") continue;
    const p = join(dir, name);
    if (isExecutableFile(p)) return p;
  }
  return null;
}

/** What an operator reads in /status, /healthz and the logs when there is no Envoy to run. */
export function envoyInstallHint(path: string): string {
  return (
    `envoy binary "${path}" not found${path.includes("/") ? "" : " on PATH"}; the rest of edgegate keeps running. ` +
    "Install Envoy from its official releases: the apt repository at https://apt.envoyproxy.io (Debian/Ubuntu), " +
    "`func-e use <version>` (https://func-e.io), or copy /usr/local/bin/envoy out of the envoyproxy/envoy container image; " +
    "then set envoy.path in the config (or put envoy on PATH). edgegate re-checks periodically."
  );
}
