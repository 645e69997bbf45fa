// The real pipeline in front of the ADS server, without file watching: YAML documents -> parse ->
// compile (translate + emit, with the memo a running appliance keeps) -> publish. Tests change the
// documents and publish, the way the file source does on an edit.
import { parseFile } from "../../src/sources/files/parse.ts";
import { compile, CompileMemo, type CompileResult } from "../../src/pipeline/compile.ts";
import { defaultConfig } from "../../src/config/types.ts";
import type { PublishResult } from "../../src/xds/cache/cache.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import { edgegateClass } from "../helpers/manifests.ts";

export interface PipelinePlane extends ControlPlane {
  /** Compiles and publishes these files (name -> YAML); returns the compile and the publish. */
  apply(files: Record<string, string>): { result: CompileResult; pub: PublishResult };
}

export async function startPipelinePlane(): Promise<PipelinePlane> {
  const cp = await startControlPlane({ reuseByIdentity: true });
  const memo = new CompileMemo();
  const config = defaultConfig("xds-pipeline-test");
  return {
    ...cp,
    apply(files) {
      const objects = Object.entries(files).flatMap(([name, text]) => parseFile(name, text).objects);
      const result = compile({ objects, config, memo });
      return { result, pub: cp.cache.publish(result.xds) };
    },
  };
}

export const gatewayClass = edgegateClass;

/** A Gateway "gw" in default with HTTP listeners (name -> port) that GRPCRoutes attach to. */
export function gatewayYaml(listeners: Record<string, number>): string {
  const ls = Object.entries(listeners).map(([name, port]) => `{name: ${name}, protocol: HTTP, port: ${port}}`);
  return `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: default, creationTimestamp: "2026-01-01T00:00:00Z"}\nspec:\n  gatewayClassName: edgegate\n  listeners: [${ls.join(", ")}]\n`;
}

/** A selector-less Service with static endpoints on 127.0.0.1 (h2c, port 9000). */
export function serviceYaml(name: string, ports: number[]): string {
  const eps = ports.map((p) => `127.0.0.1:${p}`).join(", ");
  return `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: default, annotations: {edgegate.io/endpoints: "${eps}"}}\nspec: {ports: [{port: 9000, appProtocol: kubernetes.io/h2c}]}\n`;
}

export interface GrpcRule {
  /** "test.Echo/Echo" (service/method), "test.Echo" (service) or undefined (everything). */
  method?: string;
  headers?: Record<string, string>;
  /** Service name -> weight. */
  to: Record<string, number>;
}

export function grpcRouteYaml(name: string, o: { hostnames?: string[]; section?: string; rules: GrpcRule[] }): string {
  const rules = o.rules.map((r) => {
    const m: string[] = [];
    if (r.method) {
      const [service, method] = r.method.split("/");
      m.push(`method: {service: ${service}${method ? `, method: ${method}` : ""}}`);
    }
    if (r.headers)
      m.push(
        `headers: [${Object.entries(r.headers)
          .map(([k, v]) => `{name: ${k}, value: "${v}"}`)
          .join(", ")}]`,
      );
    const matches = m.length > 0 ? `\n    matches: [{${m.join(", ")}}]` : "";
    const refs = Object.entries(r.to).map(([svc, w]) => `{name: ${svc}, port: 9000, weight: ${w}}`);
    return `  - backendRefs: [${refs.join(", ")}]${matches}`;
  });
  const hostnames = o.hostnames ? `\n  hostnames: [${o.hostnames.join(", ")}]` : "";
  const section = o.section ? `, sectionName: ${o.section}` : "";
  return `apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: ${name}, namespace: default}\nspec:\n  parentRefs: [{name: gw${section}}]${hostnames}\n  rules:\n${rules.join("\n")}\n`;
}
