// Which object asked for an IR listener. Typed, so consumers (removal warnings, privileged-port
// warnings, Ingress port conflicts) read the owner instead of splitting a string whose shape
// depends on who made the listener.
import type { ObjectRef } from "../store/types.ts";

export interface ListenerOrigin {
  /** The Gateway or ListenerSet that declares the listener, the Ingress, or the mesh route. */
  owner: ObjectRef;
  /** The listener's name in the owner's spec.listeners (Gateway, ListenerSet); absent otherwise. */
  section?: string;
}

/**
 * The origin as Envoy listener metadata, status and logs have always shown it: "namespace/gateway/
 * listener", "namespace/listenerset/listener (ListenerSet)", "namespace/ingress", "Kind/namespace/route".
 * For people and Envoy's admin output only; never parsed back.
 */
export function originLabel(o: ListenerOrigin): string {
  const { kind, namespace, name } = o.owner;
  if (kind === "Gateway") return `${namespace}/${name}/${o.section ?? ""}`;
  if (kind === "ListenerSet") return `${namespace}/${name}/${o.section ?? ""} (ListenerSet)`;
  if (kind === "Ingress") return `${namespace}/${name}`;
  return `${kind}/${namespace}/${name}`;
}
