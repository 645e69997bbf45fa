// Node objects: their addresses, and config.nodes.matchLabels as a label selector string.
import { isObj, type Obj } from "../../yaml/value.ts";

/** InternalIP and ExternalIP addresses of a Node, in the order the kubelet reports them. */
export function nodeAddresses(node: Obj): string[] {
  const st = isObj(node.status) ? node.status : {};
  const out: string[] = [];
  if (Array.isArray(st.addresses)) {
    for (const a of st.addresses) {
      if (isObj(a) && (a.type === "InternalIP" || a.type === "ExternalIP") && typeof a.address === "string") out.push(a.address);
    }
  }
  return out;
}

/** "k1=v1,k2=v2" (sorted); "" for an empty selector, which selects every node. */
export function selectorString(matchLabels: Record<string, string>): string {
  return Object.keys(matchLabels)
    .sort()
    .map((k) => `${k}=${matchLabels[k]}`)
    .join(",");
}
