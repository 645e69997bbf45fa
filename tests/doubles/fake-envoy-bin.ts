// Installs the Envoy test double as an executable named `envoy` in a folder, so the supervisor finds
// and starts it exactly as it would a real Envoy (PATH lookup or absolute path).
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const FAKE_ENVOY_SCRIPT = join(import.meta.dir, "fake-envoy.ts");

export function installFakeEnvoy(dir: string, name = "envoy"): string {
  const path = join(dir, name);
  // exec keeps one pid from the wrapper to the double, as with a real envoy binary.
  writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${FAKE_ENVOY_SCRIPT}" "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}
