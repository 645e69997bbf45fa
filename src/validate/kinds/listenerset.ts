// ListenerSet (gateway.networking.k8s.io/v1): a parent Gateway reference and listeners with the
// Gateway listener's fields (the CRD shares ListenerEntry, so the rules are shared too).
import type { KubeObject } from "../../store/types.ts";
import type { Reporter } from "../problems.ts";
import { known, obj, str } from "../fields.ts";
import * as n from "../names.ts";
import { validateListeners } from "./gateway.ts";

export function validateListenerSet(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, ["parentRef", "listeners"]);
  const parent = obj(r, spec, "parentRef", sp, true);
  if (parent) {
    const pp = [...sp, "parentRef"];
    known(r, parent, pp, ["group", "kind", "name", "namespace"]);
    str(r, parent, "group", pp, n.group);
    // The CRD only lets a ListenerSet attach to a Gateway.
    str(r, parent, "kind", pp, { ...n.kind, oneOf: ["Gateway"] });
    str(r, parent, "name", pp, { ...n.objectName, required: true });
    str(r, parent, "namespace", pp, n.namespace);
  }
  validateListeners(r, spec, sp, "ListenerSet");
}
