// GAMMA: which Service ports a route governs, from its Service parentRefs, and the parent status.
// Only producer routes (in the Service's own namespace) are served: a consumer route applies only
// to clients in its own namespace, and a node-local gateway cannot tell a connecting process's
// namespace, so such a route is reported as not accepted rather than applied to everyone.
import type { AnyRoute, ParentReference } from "../kinds/gateway-api.ts";
import type { Service, ServicePort } from "../kinds/core.ts";
import { condition, type Condition } from "../object-status/types.ts";
import type { Inputs } from "../translate/inputs.ts";

/** A parentRef to a core Service: group "" (or "core"), kind Service. */
export function isServiceParent(ref: ParentReference): boolean {
  return (ref.group === "" || ref.group === "core") && ref.kind === "Service";
}

export interface MeshParent {
  /** As written in status.parents[].parentRef. */
  parentRef: { group: string; kind: "Service"; name: string; namespace: string; port?: number; sectionName?: string };
  accepted: Condition;
  /** The Service and the ports this route governs, when accepted. */
  service?: Service;
  ports: ServicePort[];
}

export function meshParents(inp: Inputs, route: AnyRoute): MeshParent[] {
  const routeNs = route.metadata.namespace;
  const g = route.metadata.generation;
  const out: MeshParent[] = [];
  for (const ref of route.spec.parentRefs ?? []) {
    if (!isServiceParent(ref)) continue;
    const ns = ref.namespace ?? routeNs;
    const parentRef: MeshParent["parentRef"] = {
      group: "",
      kind: "Service",
      name: ref.name,
      namespace: ns,
      ...(ref.port !== undefined ? { port: ref.port } : {}),
      ...(ref.sectionName ? { sectionName: ref.sectionName } : {}),
    };
    const reject = (reason: string, message: string): void =>
      void out.push({ parentRef, accepted: condition("Accepted", false, reason, message, g), ports: [] });
    const svc = inp.services.get(`${ns}/${ref.name}`);
    if (!svc) {
      reject("NoMatchingParent", `Service ${ns}/${ref.name} not found`);
      continue;
    }
    if (ns !== routeNs) {
      reject(
        "UnsupportedValue",
        `consumer routes are not supported: this route (namespace ${routeNs}) would apply only to clients in ${routeNs}, and this node cannot tell a client's namespace; put the route in ${ns} (a producer route) to govern every client`,
      );
      continue;
    }
    if (svc.spec.type === "ExternalName") {
      reject("UnsupportedValue", `Service ${ns}/${ref.name} is an ExternalName Service: it has no address for clients to connect to`);
      continue;
    }
    if (svc.spec.clusterIP === "None") {
      reject("UnsupportedValue", `Service ${ns}/${ref.name} is headless: clients connect to pod addresses, which are not steered to the mesh listener`);
      continue;
    }
    const all = (svc.spec.ports ?? []).filter((p) => (p.protocol ?? "TCP") === "TCP");
    const ports = all.filter((p) => (ref.port === undefined || p.port === ref.port) && (ref.sectionName === undefined || p.name === ref.sectionName));
    if (ports.length === 0) {
      const what =
        [ref.port !== undefined ? `port ${ref.port}` : "", ref.sectionName ? `port named ${ref.sectionName}` : ""].filter((x) => x).join(" and ") || "TCP port";
      reject("NoMatchingParent", `Service ${ns}/${ref.name} has no ${what}`);
      continue;
    }
    out.push({ parentRef, accepted: condition("Accepted", true, "Accepted", "Route accepted", g), service: svc, ports });
  }
  return out;
}
