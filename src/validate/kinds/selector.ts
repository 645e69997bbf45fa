import type { FieldPath } from "../../yaml/documents.ts";
import type { Reporter } from "../problems.ts";
import { known, list, obj, objItems, str } from "../fields.ts";
import type { Obj } from "../../yaml/value.ts";

export function validateLabelSelector(r: Reporter, sel: Obj, p: FieldPath): void {
  known(r, sel, p, ["matchLabels", "matchExpressions"]);
  const ml = obj(r, sel, "matchLabels", p);
  for (const [k, v] of Object.entries(ml ?? {})) {
    if (typeof v !== "string") r.error([...p, "matchLabels", k], "must be a string");
  }
  for (const [e, ep] of objItems(r, list(r, sel, "matchExpressions", p), [...p, "matchExpressions"])) {
    known(r, e, ep, ["key", "operator", "values"]);
    str(r, e, "key", ep, { required: true, min: 1 });
    const op = str(r, e, "operator", ep, { required: true, oneOf: ["In", "NotIn", "Exists", "DoesNotExist"] });
    const values = list(r, e, "values", ep);
    if ((op === "In" || op === "NotIn") && (!values || values.length === 0)) r.error([...ep, "values"], `must be non-empty when operator is ${op}`);
    if ((op === "Exists" || op === "DoesNotExist") && values && values.length > 0) r.error([...ep, "values"], `must be empty when operator is ${op}`);
  }
}
