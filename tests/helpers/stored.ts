// Objects as the store hands them to translation: admitted (validated, namespace defaulted), with
// their ref and key. A value that admission rejects fails the test, naming the problems.
import { admit, apiPlacement } from "../../src/store/admit.ts";
import { storedObject, type Origin, type StoredObject } from "../../src/store/types.ts";
import { formatProblem } from "../../src/validate/problems.ts";

export function admitted(values: readonly unknown[], origin: Origin = { source: "kubernetes", resourceVersion: "1" }): StoredObject[] {
  return values.map((v) => {
    const a = admit(v, apiPlacement);
    if (a.result === "ok") return storedObject(a.object, origin);
    throw new Error(`test input not admitted: ${a.result === "invalid" ? a.problems.map(formatProblem).join("; ") : a.warning.message}`);
  });
}
