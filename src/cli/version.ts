import { version } from "../version.ts";

export function versionCommand(): number {
  process.stdout.write(`edgegate ${version} (bun ${Bun.version}, ${process.platform}/${process.arch})\n`);
  return 0;
}
