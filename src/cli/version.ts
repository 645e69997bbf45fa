import { version } from "../version.ts";

// Set at build time by scripts/build.ts (the commit the binary was built from); "dev" from source.
declare const EDGEGATE_COMMIT: string | undefined;
export const commit: string = typeof EDGEGATE_COMMIT === "string" ? EDGEGATE_COMMIT : "dev";

/**
 * The Envoy API the xDS types in src/gen were generated from: the data-plane-api protos that the
 * @grpc/grpc-js-xds package ships (scripts/gen-proto.ts). tests/packaging/version.test.ts checks
 * both against node_modules, so upgrading that package without updating these fails the tests.
 */
export const envoyApi = { release: "1.31", protoSource: "@grpc/grpc-js-xds 1.14.1" } as const;
/**
 * The oldest Envoy edgegate supports: the release whose API it is generated from (fields newer than
 * that cannot be emitted, older Envoys may reject fields it does emit). The container image and the
 * Debian package's install notes use this release line too.
 */
export const minimumEnvoy = "1.31.0";

/** What `edgegate version` prints; the first line is stable for scripts (`edgegate VERSION (...)`). */
export function versionText(): string {
  return (
    [
      `edgegate ${version} (bun ${Bun.version}, ${process.platform}/${process.arch})`,
      `commit: ${commit}`,
      `envoy api: v3, Envoy ${envoyApi.release} protos (${envoyApi.protoSource})`,
      `envoy minimum: ${minimumEnvoy}`,
    ].join("\n") + "\n"
  );
}

export function versionCommand(): number {
  process.stdout.write(versionText());
  return 0;
}
