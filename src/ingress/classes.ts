// Which Ingresses this node serves: those whose IngressClass names edgegate's controller, or
// that name no class when edgegate's class is the cluster default.
import type { Ingress, IngressClass } from "../kinds/core.ts";

export const DefaultClassAnnotation = "ingressclass.kubernetes.io/is-default-class";
const LegacyClassAnnotation = "kubernetes.io/ingress.class";

export function servedIngresses(ingresses: readonly Ingress[], classes: readonly IngressClass[], controller: string): Ingress[] {
  const ours = classes.filter((c) => c.spec?.controller === controller);
  const names = new Set(ours.map((c) => c.metadata.name));
  const isDefault = ours.some((c) => c.metadata.annotations?.[DefaultClassAnnotation] === "true");
  return ingresses.filter((i) => {
    const cls = i.spec.ingressClassName ?? i.metadata.annotations?.[LegacyClassAnnotation];
    return cls === undefined ? isDefault : names.has(cls);
  });
}
