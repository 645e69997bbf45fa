// networking.k8s.io/v1 Ingress and IngressClass.
import type { KubeObject } from "../../store/types.ts";
import type { FieldPath } from "../../yaml/documents.ts";
import type { Reporter } from "../problems.ts";
import { int, known, list, obj, objItems, str } from "../fields.ts";
import type { Obj } from "../../yaml/value.ts";
import * as n from "../names.ts";
import { checkRegex } from "./refs.ts";
import { checkHeaderValue } from "../headers.ts";
import { quoted } from "../problems.ts";

export function validateIngressClass(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", []);
  if (!spec) return;
  known(r, spec, ["spec"], ["controller", "parameters"]);
  str(r, spec, "controller", ["spec"], { ...n.controllerName, max: 250 });
}

export function validateIngress(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, ["ingressClassName", "defaultBackend", "tls", "rules"]);
  str(r, spec, "ingressClassName", sp, n.objectName);
  const def = obj(r, spec, "defaultBackend", sp);
  if (def) validateIngressBackend(r, def, [...sp, "defaultBackend"]);
  for (const [t, tp] of objItems(r, list(r, spec, "tls", sp), [...sp, "tls"])) {
    known(r, t, tp, ["hosts", "secretName"]);
    list(r, t, "hosts", tp)?.forEach((h, i) => {
      if (typeof h !== "string" || !n.hostname.pattern!.test(h)) r.error([...tp, "hosts", i], `${quoted(h)} is not ${n.hostname.patternName}`);
    });
    str(r, t, "secretName", tp, n.objectName);
  }
  const rules = objItems(r, list(r, spec, "rules", sp), [...sp, "rules"]);
  for (const [rule, rp] of rules) {
    known(r, rule, rp, ["host", "http"]);
    const host = str(r, rule, "host", rp, n.hostname);
    if (host?.startsWith("*.") && host.slice(2).includes("*")) r.error([...rp, "host"], "a wildcard must be the whole first label");
    const http = obj(r, rule, "http", rp);
    if (!http) continue;
    const hp = [...rp, "http"];
    known(r, http, hp, ["paths"]);
    for (const [path, pp] of objItems(r, list(r, http, "paths", hp, { required: true, min: 1 }), [...hp, "paths"])) {
      known(r, path, pp, ["path", "pathType", "backend"]);
      const type = str(r, path, "pathType", pp, { required: true, oneOf: ["Exact", "Prefix", "ImplementationSpecific"] });
      const value = str(r, path, "path", pp);
      if (value !== undefined && type !== "ImplementationSpecific" && !value.startsWith("/"))
        r.error([...pp, "path"], `must be an absolute path starting with '/' when pathType is ${type} (got ${quoted(value)})`);
      if (value !== undefined && type === "ImplementationSpecific") checkRegex(r, value, [...pp, "path"]);
      else if (value !== undefined) checkHeaderValue(r, value, [...pp, "path"]);
      if (value !== undefined && type === "Prefix" && /[?#]/.test(value))
        r.error([...pp, "path"], "must not contain '?' or '#' when pathType is Prefix (Envoy matches the path without the query)");
      if ((type === "Exact" || type === "Prefix") && value === undefined) r.error([...pp, "path"], `is required when pathType is ${type}`);
      const b = obj(r, path, "backend", pp, true);
      if (b) validateIngressBackend(r, b, [...pp, "backend"]);
    }
  }
  if (!def && rules.length === 0) r.error(sp, "either defaultBackend or rules must be specified");
}

function validateIngressBackend(r: Reporter, b: Obj, p: FieldPath): void {
  known(r, b, p, ["service", "resource"]);
  const svc = obj(r, b, "service", p);
  const res = obj(r, b, "resource", p);
  if (svc && res) r.error(p, "cannot set both service and resource");
  if (!svc && !res) r.error(p, "one of service or resource is required");
  if (svc) {
    const sp = [...p, "service"];
    known(r, svc, sp, ["name", "port"]);
    str(r, svc, "name", sp, { ...n.objectName, required: true });
    const port = obj(r, svc, "port", sp, true);
    if (port) {
      const pp = [...sp, "port"];
      known(r, port, pp, ["number", "name"]);
      const num = int(r, port, "number", pp, { min: 1, max: 65535 });
      const name = str(r, port, "name", pp, { max: 15, pattern: n.dnsLabel, patternName: "a valid port name" });
      if (num !== undefined && name !== undefined) r.error(pp, "cannot set both number and name");
      if (num === undefined && name === undefined && port.number === undefined && port.name === undefined) r.error(pp, "one of number or name is required");
    }
  }
  if (res) {
    const rp = [...p, "resource"];
    known(r, res, rp, ["apiGroup", "kind", "name"]);
    str(r, res, "kind", rp, { required: true });
    str(r, res, "name", rp, { required: true });
  }
}
