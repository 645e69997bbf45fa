// BackendTLSPolicy: the shape the CRD enforces. Whether references resolve is status, not schema.
import type { KubeObject } from "../../store/types.ts";
import type { Reporter } from "../problems.ts";
import { known, list, obj, objItems, str } from "../fields.ts";
import * as n from "../names.ts";
import { quoted } from "../problems.ts";

export function validateBackendTLSPolicy(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, ["targetRefs", "validation", "options"]);
  for (const [t, p] of objItems(r, list(r, spec, "targetRefs", sp, { required: true, min: 1, max: 16 }), [...sp, "targetRefs"])) {
    known(r, t, p, ["group", "kind", "name", "sectionName"]);
    str(r, t, "group", p, { max: 253 });
    str(r, t, "kind", p, { required: true, min: 1, max: 63 });
    str(r, t, "name", p, { ...n.objectName, required: true });
    str(r, t, "sectionName", p, n.sectionName);
  }
  const v = obj(r, spec, "validation", sp, true);
  if (!v) return;
  const vp = [...sp, "validation"];
  known(r, v, vp, ["caCertificateRefs", "wellKnownCACertificates", "hostname", "subjectAltNames"]);
  str(r, v, "hostname", vp, { ...n.hostname, required: true });
  const cas = objItems(r, list(r, v, "caCertificateRefs", vp, { max: 8 }), [...vp, "caCertificateRefs"]);
  for (const [c, p] of cas) {
    known(r, c, p, ["group", "kind", "name"]);
    str(r, c, "kind", p, { required: true, min: 1 });
    str(r, c, "name", p, { ...n.objectName, required: true });
  }
  const wk = str(r, v, "wellKnownCACertificates", vp, {});
  if (wk !== undefined && cas.length > 0) r.error(vp, "caCertificateRefs and wellKnownCACertificates are mutually exclusive");
  if (wk === undefined && cas.length === 0) r.error(vp, "needs caCertificateRefs or wellKnownCACertificates");
  for (const [s, p] of objItems(r, list(r, v, "subjectAltNames", vp, { max: 5 }), [...vp, "subjectAltNames"])) {
    known(r, s, p, ["type", "hostname", "uri"]);
    const type = str(r, s, "type", p, { required: true, min: 1 });
    if (type === "Hostname" && s.hostname === undefined) r.error([...p, "hostname"], "is required when type is Hostname");
    else if (type === "URI" && s.uri === undefined) r.error([...p, "uri"], "is required when type is URI");
    else if (type !== undefined && type !== "Hostname" && type !== "URI") r.error([...p, "type"], `must be Hostname or URI (got ${quoted(type)})`);
  }
}
