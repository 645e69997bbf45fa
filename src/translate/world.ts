// The two tiers of translation's inputs. Routes are many and change often; everything else (the
// "world": classes, Gateways, ListenerSets, Services, endpoints, ReferenceGrants, Namespaces,
// Secrets, ConfigMaps, policies, Ingresses) is few and changes rarely. What is built from the world
// alone (listener states, addresses, cluster resolutions, secrets) is kept while the world's
// objects are the very same objects and the options are the same, so a route added among 10,000
// costs that route's attachment and resolution, not every route's (issue 17: new routes served
// within 250 ms). Any change to the world rebuilds everything, as a fresh translation would.
import type { IrSecret } from "../ir/types.ts";
import type { StoredObject } from "../store/types.ts";
import type { GatewayWorld } from "../gateway/world.ts";
import type { Inputs } from "./inputs.ts";
import { BackendTlsIndex } from "./backend-tls.ts";
import { ClusterSet } from "./services.ts";
import { EndpointsAnnotation } from "../kinds/core.ts";

/** What translation builds from the world alone. */
export interface WorldState {
  /** The world's inputs, routes left out: nothing kept here can read a route. */
  inputs: Inputs;
  secrets: Map<string, IrSecret>;
  backendTls: BackendTlsIndex;
  clusters: ClusterSet;
  /** Built on first use by the Gateway translator (src/gateway/world.ts). */
  gateways?: GatewayWorld;
}

/** The inputs without their routes. */
function worldInputs(inp: Inputs): Inputs {
  return { ...inp, httpRoutes: [], grpcRoutes: [], tlsRoutes: [], tcpRoutes: [], udpRoutes: [] };
}

export function buildWorld(inp: Inputs): WorldState {
  const inputs = worldInputs(inp);
  const secrets = new Map<string, IrSecret>();
  const backendTls = new BackendTlsIndex(inputs, secrets);
  return { inputs, secrets, backendTls, clusters: new ClusterSet(inputs, backendTls) };
}

/**
 * Keeps the last world. Entries built against a world (route attachments, memo.ts) hold its
 * WorldState and are valid only while that very object is handed out.
 */
export class WorldMemo {
  private last: { objects: readonly StoredObject[]; options: string; state: WorldState } | undefined;
  /** How the last `get` went: the world reused as it was, reused with new endpoints, or built anew. */
  outcome: "reused" | "endpoints" | "built" = "built";

  get reused(): boolean {
    return this.outcome !== "built";
  }

  /** The world state for these world objects and options: the last one when both are unchanged. */
  get(inp: Inputs, options: string): WorldState {
    const last = this.last;
    const change = last === undefined || last.options !== options ? "other" : compare(last.objects, inp.world);
    if (last && change !== "other") {
      last.state.clusters.beginCompile();
      if (change === "endpoints") {
        // The kept inputs are shared by everything built from them: they see the new endpoints.
        last.state.inputs.services = inp.services;
        last.state.inputs.endpointSlices = inp.endpointSlices;
        last.state.clusters.refreshEndpoints();
        last.objects = inp.world;
      }
      this.outcome = change === "none" ? "reused" : "endpoints";
      return last.state;
    }
    this.outcome = "built";
    const state = buildWorld(inp);
    this.last = { objects: inp.world, options, state };
    return state;
  }
}

/**
 * "none": the same objects. "endpoints": the same objects but for EndpointSlices and Services
 * that differ only in their endpoints (a Service's edgegate.io/endpoints annotation in file mode),
 * which change no resolution, only clusters' endpoints: an EDS update. "other": anything else.
 */
function compare(a: readonly StoredObject[], b: readonly StoredObject[]): "none" | "endpoints" | "other" {
  if (a.length !== b.length) return "other";
  let out: "none" | "endpoints" = "none";
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x.key !== y.key) return "other";
    if (y.object.kind === "EndpointSlice" && y.ref.group === "discovery.k8s.io") out = "endpoints";
    else if (y.object.kind === "Service" && y.ref.group === "" && serviceShape(x) === serviceShape(y)) out = "endpoints";
    else return "other";
  }
  return out;
}

/** A Service as resolution reads it: all of it but its endpoints annotation and its bookkeeping. */
function serviceShape(so: StoredObject): string {
  const { metadata, spec } = so.object as { metadata: { labels?: unknown; annotations?: Record<string, string> }; spec?: unknown };
  const { [EndpointsAnnotation]: _endpoints, ...annotations } = metadata.annotations ?? {};
  return JSON.stringify([spec, metadata.labels ?? null, annotations]);
}
