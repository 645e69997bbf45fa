// ReferenceGrant: may an object in one namespace refer to an object in another?
import type { Inputs } from "./inputs.ts";

export interface RefFrom {
  group: string;
  kind: string;
  namespace: string;
}
export interface RefTo {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function refAllowed(inp: Inputs, from: RefFrom, to: RefTo): boolean {
  if (from.namespace === to.namespace) return true;
  return inp.referenceGrants.some(
    (g) =>
      g.metadata.namespace === to.namespace &&
      g.spec.from.some((f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace) &&
      g.spec.to.some((t) => t.group === to.group && t.kind === to.kind && (t.name === undefined || t.name === "" || t.name === to.name)),
  );
}
