// Generates protobuf-es types at build time: the Envoy xDS API and edgegate's own API (proto/).
// The Envoy .proto sources come from the @grpc/grpc-js-xds npm package (deps/), never from this
// repository: we copy only the import closure of the roots we use into build/proto, next to a copy
// of proto/ (buf.yaml and edgegate/...), and run buf with proto/buf.gen.yaml (protoc-gen-es).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, copyFileSync, writeFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";

const root = join(import.meta.dir, "..");
const deps = join(root, "node_modules/@grpc/grpc-js-xds/deps");
const searchPath = ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => join(deps, d));
const own = join(root, "proto");
const stage = join(root, "build/proto");
const out = join(root, "src/gen");

// What the appliance emits or serves. Everything else is pulled in by imports.
const roots = [
  "envoy/service/discovery/v3/ads.proto",
  "envoy/service/discovery/v3/discovery.proto",
  "envoy/config/bootstrap/v3/bootstrap.proto",
  "envoy/config/listener/v3/listener.proto",
  "envoy/config/route/v3/route.proto",
  "envoy/config/cluster/v3/cluster.proto",
  "envoy/config/endpoint/v3/endpoint.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto",
  "envoy/extensions/filters/udp/udp_proxy/v3/udp_proxy.proto",
  "envoy/extensions/filters/udp/udp_proxy/v3/route.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/filters/http/cors/v3/cors.proto",
  "envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto",
  "envoy/extensions/transport_sockets/tls/v3/tls.proto",
  "envoy/extensions/transport_sockets/tls/v3/secret.proto",
  "envoy/extensions/access_loggers/stream/v3/stream.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
  "envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto",
];

function locate(file: string): string | undefined {
  for (const dir of searchPath) {
    const p = join(dir, file);
    if (existsSync(p)) return p;
  }
  return undefined;
}

// The validate.proto bundled in the package predates StringRules.ignore_empty, which newer Envoy
// protos use in their options. Field 26 is its number upstream; we only need it to resolve.
function patchValidate(text: string): string {
  if (/ignore_empty\s*=\s*26/.test(text)) return text;
  return text.replace(/message StringRules \{/, "message StringRules {\n    optional bool ignore_empty = 26;");
}

if (!existsSync(deps)) {
  console.error(`gen-proto: ${deps} is missing; run the setup step (npm install) first`);
  process.exit(1);
}
rmSync(stage, { recursive: true, force: true });
const seen = new Set<string>();
const missing = new Set<string>();
const visit = (file: string): void => {
  // Well-known types ship with buf itself.
  if (seen.has(file) || file.startsWith("google/protobuf/")) return;
  const src = locate(file);
  if (!src) {
    missing.add(file);
    return;
  }
  seen.add(file);
  const text = readFileSync(src, "utf8");
  for (const m of text.matchAll(/^import\s+(?:public\s+|weak\s+)?"([^"]+)"/gm)) visit(m[1]!);
  const dst = join(stage, file);
  mkdirSync(dirname(dst), { recursive: true });
  if (file === "validate/validate.proto") writeFileSync(dst, patchValidate(text));
  else copyFileSync(src, dst);
};
roots.forEach(visit);
if (missing.size > 0) {
  console.error(`gen-proto: imports not found: ${[...missing].join(", ")}`);
  process.exit(1);
}
// proto/ holds only edgegate/... (and the buf configuration), so no Envoy file is overwritten.
cpSync(own, stage, { recursive: true });
rmSync(out, { recursive: true, force: true });
const started = performance.now();
console.error(`gen-proto: generating ${seen.size} Envoy files from ${roots.length} roots, and proto/edgegate ...`);
// buf.gen.yaml names its plugin and output relative to the repository root.
const env = { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}` };
const r = spawnSync(join(root, "node_modules/.bin/buf"), ["generate", "build/proto", "--template", "proto/buf.gen.yaml"], { cwd: root, env, stdio: "inherit" });
if (r.status !== 0) {
  console.error("gen-proto: buf generate failed");
  process.exit(1);
}
let count = 0;
const walk = (d: string): void => {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p);
    else count++;
  }
};
walk(out);
console.error(`gen-proto: ${count} TypeScript files in src/gen (${((performance.now() - started) / 1000).toFixed(1)} s)`);
