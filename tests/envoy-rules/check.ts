// One call: every emitted resource against the protos' PGV rules (every message, every Any) plus
// Envoy's load-time checks. Returns the violations as "path: message" lines.
import type { Registry } from "@bufbuild/protobuf";
import { ListenerSchema } from "../../src/gen/envoy/config/listener/v3/listener_pb.ts";
import { RouteConfigurationSchema } from "../../src/gen/envoy/config/route/v3/route_pb.ts";
import { ClusterSchema } from "../../src/gen/envoy/config/cluster/v3/cluster_pb.ts";
import { ClusterLoadAssignmentSchema } from "../../src/gen/envoy/config/endpoint/v3/endpoint_pb.ts";
import { SecretSchema } from "../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";
import { BootstrapSchema, type Bootstrap } from "../../src/gen/envoy/config/bootstrap/v3/bootstrap_pb.ts";
import type { XdsResources } from "../../src/xds/resources.ts";
import type { Re2 } from "../../src/re2/re2.ts";
import { PgvChecker } from "./pgv.ts";
import { bootstrapLoadChecks, envoyHooks, envoyLoadChecks } from "./envoy-load.ts";

export interface CheckResult {
  violations: string[];
  checker: PgvChecker;
}

export function checkXds(x: XdsResources, registry: Registry, re2: Re2): CheckResult {
  const c = new PgvChecker(registry, re2, envoyHooks(re2));
  x.listeners.forEach((m, i) => c.check(ListenerSchema, m, `listeners[${i}](${m.name})`));
  x.routes.forEach((m, i) => c.check(RouteConfigurationSchema, m, `routes[${i}](${m.name})`));
  x.clusters.forEach((m, i) => c.check(ClusterSchema, m, `clusters[${i}](${m.name})`));
  x.endpoints.forEach((m, i) => c.check(ClusterLoadAssignmentSchema, m, `endpoints[${i}](${m.clusterName})`));
  x.secrets.forEach((m, i) => c.check(SecretSchema, m, `secrets[${i}](${m.name})`));
  const all = [...c.violations, ...envoyLoadChecks(x, registry)];
  return { violations: all.map((v) => `${v.path}: ${v.message}`), checker: c };
}

export function checkBootstrap(b: Bootstrap, registry: Registry, re2: Re2): CheckResult {
  const c = new PgvChecker(registry, re2, envoyHooks(re2));
  c.check(BootstrapSchema, b, "bootstrap");
  const all = [...c.violations, ...bootstrapLoadChecks(b)];
  return { violations: all.map((v) => `${v.path}: ${v.message}`), checker: c };
}
