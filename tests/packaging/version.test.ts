// What `edgegate version` claims must match the tree it was built from.
import { expect, test } from "bun:test";
import { envoyApi, minimumEnvoy, versionText } from "../../src/cli/version.ts";
import { read } from "./files.ts";

const pkg = JSON.parse(read("package.json")) as { version: string; devDependencies: Record<string, string> };

test("the Envoy API source named is the package the types are generated from, at its installed version", () => {
  const installed = (JSON.parse(read("node_modules/@grpc/grpc-js-xds/package.json")) as { version: string }).version;
  expect<string>(envoyApi.protoSource).toBe(`@grpc/grpc-js-xds ${installed}`);
  expect(pkg.devDependencies["@grpc/grpc-js-xds"]).toBe(installed);
  expect(read("scripts/gen-proto.ts")).toContain("node_modules/@grpc/grpc-js-xds/deps");
  // The oldest supported Envoy is the release line the API comes from.
  expect(minimumEnvoy.startsWith(`${envoyApi.release}.`)).toBe(true);
});

test("version prints version, Bun, platform, commit, Envoy API and minimum Envoy, one per line", () => {
  const lines = versionText().trimEnd().split("\n");
  expect(lines[0]).toMatch(/^edgegate \S+ \(bun \d+\.\d+\.\d+, linux\/(x64|arm64)\)$/);
  expect(lines[1]).toMatch(/^commit: (dev|[0-9a-f]{12}(-dirty)?)$/);
  expect(lines[2]).toBe(`envoy api: v3, Envoy ${envoyApi.release} protos (${envoyApi.protoSource})`);
  expect(lines[3]).toBe(`envoy minimum: ${minimumEnvoy}`);
});

test("CHANGELOG.md has a section for the version in package.json (the Debian changelog is made from it)", () => {
  expect(read("CHANGELOG.md")).toMatch(new RegExp(`^## ${pkg.version.replaceAll(".", "\\.")} - \\d{4}-\\d{2}-\\d{2}$`, "m"));
});
