// The translate stage: store objects -> IR + status. Pure (no I/O, no clock): the same objects and
// options always give the same result, which `render` relies on for byte-identical output.
import type { Ir } from "../ir/types.ts";
import { refKey, type StoredObject } from "../store/types.ts";
import type { ObjectStatus, TranslateProblem } from "../object-status/types.ts";
import { translateGateways, type GatewayOptions } from "../gateway/index.ts";
import type { TranslateMemo } from "../gateway/memo.ts";
import { translateIngresses } from "../ingress/index.ts";
import { translateMesh } from "../mesh/index.ts";
import type { HostPorts } from "../gateway/host-ports.ts";
import { onNodePort, type ClassExposure } from "../gateway/exposure.ts";
import { isRoute, mergeRouteStatus } from "./route-status.ts";
import { indexInputs } from "./inputs.ts";
import { buildWorld } from "./world.ts";

export interface TranslateOptions {
  controllerName: string;
  ingressController: string;
  bindAddress: string;
  /** The node's own addresses: reported in status, steered in host-network mode. */
  nodeAddresses: readonly string[];
  /** Addresses handed to Gateways without spec.addresses. */
  addressPool: readonly string[];
  /** What the node allows Envoy to bind, observed at the edge (src/net/listening.ts); unknown when absent. */
  hostPorts?: HostPorts;
  /** edgegate.yaml's exposure (GatewayClass parameters may override it per class); hostNetwork when absent. */
  exposure?: ClassExposure;
  /** Work remembered from earlier compiles (the appliance keeps one); the result is the same without. */
  memo?: TranslateMemo;
}

export interface TranslateResult {
  ir: Ir;
  status: ObjectStatus[];
  problems: TranslateProblem[];
}

const HOST_NETWORK: ClassExposure = { mode: "hostNetwork", nodePorts: {} };

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** A route with Gateway and Service parents resolves its backends twice: report each problem once. */
function dedupe(problems: TranslateProblem[]): TranslateProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.key}\u0000${p.path.join(".")}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function worldOptionsKey(o: TranslateOptions): string {
  return JSON.stringify([o.controllerName, o.ingressController, o.bindAddress, o.nodeAddresses, o.addressPool, o.hostPorts ?? null, o.exposure ?? null]);
}

export function translate(objects: readonly StoredObject[], opts: TranslateOptions): TranslateResult {
  const inp = indexInputs(objects);
  opts.memo?.begin();
  const gatewayOptions: GatewayOptions = {
    controllerName: opts.controllerName,
    bindAddress: opts.bindAddress,
    nodeAddresses: opts.nodeAddresses,
    pool: opts.addressPool,
    memo: opts.memo,
    hostPorts: opts.hostPorts,
    exposure: opts.exposure ?? HOST_NETWORK,
  };
  // Everything built from the world depends on these options too: they are part of its key.
  const world = opts.memo ? opts.memo.world.get(inp, worldOptionsKey(opts)) : buildWorld(inp);
  const { clusters, secrets } = world;
  const gw = translateGateways(inp, gatewayOptions, world);
  const ing = translateIngresses(
    inp,
    { controller: opts.ingressController, bindAddress: opts.bindAddress, nodeAddresses: opts.nodeAddresses },
    clusters,
    secrets,
  );
  const mesh = translateMesh(inp, opts.controllerName, clusters);
  const problems = dedupe([...gw.problems, ...ing.problems, ...mesh.problems]);

  // Ingress shares the node with Gateways: a socket already taken by a Gateway wins.
  const taken = new Set(gw.listeners.map((l) => `${l.address}:${l.port}`));
  // Ingress listeners follow the node's exposure (a node port per listener port, in nodePort mode).
  const exposure = opts.exposure ?? HOST_NETWORK;
  const ingressListeners = ing.listeners
    .map((l) => ({ ...l, port: onNodePort(exposure, l.port) ?? l.port }))
    .filter((l) => {
      if (!taken.has(`${l.address}:${l.port}`)) return true;
      for (const o of l.origins) {
        problems.push({
          key: refKey(o.owner),
          path: [],
          message: `port ${l.port} on ${l.address} is already used by a Gateway; this Ingress is not served there`,
        });
      }
      return false;
    });

  return {
    ir: {
      listeners: [...gw.listeners, ...ingressListeners, ...mesh.listeners].sort(byName),
      routeConfigs: [...gw.routeConfigs, ...ing.routeConfigs, ...mesh.routeConfigs].sort(byName),
      clusters: clusters.list(),
      secrets: [...secrets.values()].sort(byName),
      apiListeners: [...gw.apiListeners, ...mesh.apiListeners].sort(byName),
      datapath: {
        steering: gw.steering,
        policies: [],
        egress: [],
        mesh: mesh.services.flatMap((m) => m.clusterIPs.map((address) => ({ address, port: m.port, envoyPort: m.envoyPort }))),
      },
    },
    // A route with Gateway and Service parents has one status: its parents from both. The Gateway
    // translator gives each route one entry, so without mesh route status there is nothing to
    // merge (the merge's pass over 10,000 routes cost ~10 ms a change).
    status: mesh.status.some(isRoute) ? mergeRouteStatus([...gw.status, ...ing.status, ...mesh.status]) : [...gw.status, ...ing.status, ...mesh.status],
    problems,
  };
}
