// Set at build time by scripts/build.ts (bun build --define); "dev" when run from source.
declare const EDGEGATE_VERSION: string | undefined;
export const version: string = typeof EDGEGATE_VERSION === "string" ? EDGEGATE_VERSION : "dev";
