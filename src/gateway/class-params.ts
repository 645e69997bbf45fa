// GatewayClass parameters: spec.parametersRef to edgegate's GatewayClassConfig (edgegate.io/v1alpha1)
// or to Cilium's CiliumGatewayClassConfig (cilium.io/v2alpha1), which a Cilium user brings. Each
// gives the class's Gateways settings that make sense on a node; what cannot take effect here is
// named in the GatewayClass's Accepted message. A missing or unknown parameters object makes the
// class Accepted=False, InvalidParameters, as the Gateway API requires, and its Gateways unserved.
import type { GatewayClass } from "../kinds/gateway-api.ts";
import type { Inputs } from "../translate/inputs.ts";

export const CLASS_CONFIG_KIND = "GatewayClassConfig";
export const CILIUM_CLASS_CONFIG_KIND = "CiliumGatewayClassConfig";

/** How a class's Gateways are exposed on the node; undefined fields keep edgegate.yaml's values. */
export interface ClassExposure {
  mode: "hostNetwork" | "nodePort";
  /** Listener port -> node port, for nodePort. */
  nodePorts: Readonly<Record<string, number>>;
}

export interface ClassSettings {
  exposure?: ClassExposure;
  xffNumTrustedHops?: number;
  /** Said in the Accepted condition: where the settings come from, what is not applied and why. */
  notes: string[];
}

export type ClassParams = { ok: true; settings: ClassSettings } | { ok: false; message: string };

interface ParamsRef {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

interface EdgegateClassConfigSpec {
  description?: string;
  exposure?: { mode?: "hostNetwork" | "nodePort"; nodePorts?: Record<string, number> };
  http?: { xffNumTrustedHops?: number };
}

interface CiliumClassConfigSpec {
  description?: string;
  service?: Record<string, unknown> & { type?: string };
}

function find(inp: Inputs, kind: string, ns: string, name: string): Record<string, unknown> | undefined {
  const o = (inp.other.get(kind) ?? []).find((x) => x.ref.namespace === ns && x.ref.name === name);
  return o?.object as Record<string, unknown> | undefined;
}

/** The settings a class's parametersRef gives, with `nodeExposure` (edgegate.yaml's) as the base for node ports. */
export function classParams(inp: Inputs, gc: GatewayClass, nodeExposure: ClassExposure): ClassParams {
  const ref = gc.spec.parametersRef as ParamsRef | undefined;
  if (ref === undefined) return { ok: true, settings: { notes: [] } };
  const where = `${ref.kind ?? "?"} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name ?? "?"}`;
  if (ref.group === "edgegate.io" && ref.kind === CLASS_CONFIG_KIND) {
    if (!ref.namespace) return { ok: false, message: `parametersRef to ${CLASS_CONFIG_KIND} ${ref.name}: namespace is required (the kind is namespaced)` };
    const o = find(inp, CLASS_CONFIG_KIND, ref.namespace, ref.name ?? "");
    if (!o) return { ok: false, message: `parametersRef: ${where} not found` };
    const spec = (o.spec ?? {}) as EdgegateClassConfigSpec;
    const settings: ClassSettings = { notes: [`settings from ${where}`] };
    if (spec.exposure) settings.exposure = { mode: spec.exposure.mode ?? nodeExposure.mode, nodePorts: spec.exposure.nodePorts ?? nodeExposure.nodePorts };
    if (spec.http?.xffNumTrustedHops !== undefined) settings.xffNumTrustedHops = spec.http.xffNumTrustedHops;
    return { ok: true, settings };
  }
  if (ref.group === "cilium.io" && ref.kind === CILIUM_CLASS_CONFIG_KIND) {
    if (!ref.namespace)
      return { ok: false, message: `parametersRef to ${CILIUM_CLASS_CONFIG_KIND} ${ref.name}: namespace is required (the kind is namespaced)` };
    const o = find(inp, CILIUM_CLASS_CONFIG_KIND, ref.namespace, ref.name ?? "");
    if (!o) return { ok: false, message: `parametersRef: ${where} not found` };
    return { ok: true, settings: fromCilium((o.spec ?? {}) as CiliumClassConfigSpec, where, nodeExposure) };
  }
  return {
    ok: false,
    message: `parametersRef: ${ref.group ?? ""}/${ref.kind ?? ""} is not a parameters kind edgegate reads (edgegate.io ${CLASS_CONFIG_KIND} or cilium.io ${CILIUM_CLASS_CONFIG_KIND})`,
  };
}

/**
 * CiliumGatewayClassConfig configures the Service Cilium creates per Gateway. On a node there is
 * no such Service: its type maps onto the node's exposure (NodePort -> node ports from
 * edgegate.yaml's exposure.nodePorts), the rest is named as not applied.
 */
function fromCilium(spec: CiliumClassConfigSpec, where: string, nodeExposure: ClassExposure): ClassSettings {
  const settings: ClassSettings = { notes: [`settings from ${where}`] };
  const service = spec.service ?? {};
  const type = service.type;
  // LoadBalancer and ClusterIP leave the node's exposure as edgegate.yaml sets it.
  if (type === "NodePort") settings.exposure = { mode: "nodePort", nodePorts: nodeExposure.nodePorts };
  const ignored = Object.keys(service)
    .filter((k) => k !== "type")
    .sort();
  if (type !== undefined && type !== "NodePort" && type !== "LoadBalancer" && type !== "ClusterIP") ignored.unshift("type");
  if (ignored.length > 0) settings.notes.push(`not applied on a node (no Service is created): service.${ignored.join(", service.")}`);
  return settings;
}
