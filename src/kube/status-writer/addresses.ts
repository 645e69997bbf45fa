// Kubernetes mode, host-network exposure: which addresses a Gateway or Ingress reports. This is the
// one place that decides it. A Gateway served on node addresses is reachable on every selected node
// and on no other, so it reports the selected nodes' addresses (none selected: no address at all).
// Addresses assigned to the Gateway itself (spec.addresses, exposure.addressPool) are kept from
// translate, which assigned them, but only while some node is selected to serve them.
import type { KubeObject } from "../../store/types.ts";
import { isObj } from "../../yaml/value.ts";

export interface NodeAddressView {
  /** Names of the nodes config.nodes.matchLabels selects. */
  selectedNodes: readonly string[];
  /** Their InternalIP and ExternalIP addresses, sorted. */
  addresses: readonly string[];
  /** exposure.addressPool, expanded: addresses translate may hand to a Gateway. */
  pool: ReadonlySet<string>;
}

export interface AddressEntry {
  type: string;
  value: string;
}

function specValues(live: KubeObject): Set<string> {
  const spec = isObj(live.spec) ? live.spec : {};
  const out = new Set<string>();
  if (Array.isArray(spec.addresses)) for (const a of spec.addresses) if (isObj(a) && typeof a.value === "string") out.add(a.value);
  return out;
}

export function gatewayAddresses(translated: readonly AddressEntry[], live: KubeObject, view: NodeAddressView | undefined): AddressEntry[] {
  if (!view) return translated.map((a) => ({ type: a.type, value: a.value }));
  if (view.selectedNodes.length === 0) return [];
  const requested = specValues(live);
  const assigned = translated.filter((a) => requested.has(a.value) || view.pool.has(a.value));
  if (assigned.length > 0) return assigned.map((a) => ({ type: a.type, value: a.value }));
  return view.addresses.map((value) => ({ type: "IPAddress", value }));
}

export function ingressAddresses(
  translated: ReadonlyArray<{ ip?: string; hostname?: string }>,
  view: NodeAddressView | undefined,
): Array<{ ip?: string; hostname?: string }> {
  if (!view) return translated.map((i) => ({ ...i }));
  if (view.selectedNodes.length === 0) return [];
  const hostnames = translated.filter((i) => i.hostname !== undefined).map((i) => ({ hostname: i.hostname }));
  return [...view.addresses.map((ip) => ({ ip })), ...hostnames];
}
