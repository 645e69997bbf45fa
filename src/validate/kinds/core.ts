// Service, EndpointSlice, Secret, ConfigMap, Namespace: only what edgegate uses from them.
import type { KubeObject } from "../../store/types.ts";
import type { Reporter } from "../problems.ts";
import { int, list, obj, objItems, str } from "../fields.ts";
import { isObj } from "../../yaml/value.ts";
import * as n from "../names.ts";
import { EndpointsAnnotation } from "../../kinds/core.ts";
import { parseEndpointList } from "../../kinds/endpoints.ts";
import { isIP } from "../../net/ip.ts";
import { checkTlsPair } from "./tls.ts";
import { quoted } from "../problems.ts";

export function validateService(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  const type = str(r, spec, "type", sp, { oneOf: ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] });
  const ext = str(r, spec, "externalName", sp, n.preciseHostname);
  if (type === "ExternalName" && ext === undefined) r.error([...sp, "externalName"], "is required when type is ExternalName");
  const names = new Set<string>();
  for (const [p, pp] of objItems(r, list(r, spec, "ports", sp), [...sp, "ports"])) {
    int(r, p, "port", pp, { required: true, min: 1, max: 65535 });
    const name = str(r, p, "name", pp, { max: 15, pattern: n.dnsLabel, patternName: "a valid port name" });
    if (name !== undefined) {
      if (names.has(name)) r.error([...pp, "name"], `port name ${quoted(name)} is used more than once`);
      names.add(name);
    }
    const tp = p.targetPort;
    if (tp !== undefined && !(typeof tp === "string" || (typeof tp === "number" && Number.isInteger(tp) && tp >= 1 && tp <= 65535))) {
      r.error([...pp, "targetPort"], `must be a port number or name (got ${quoted(tp)})`);
    }
    str(r, p, "protocol", pp, { oneOf: ["TCP", "UDP", "SCTP"] });
    str(r, p, "appProtocol", pp);
  }
  const ann = o.metadata.annotations?.[EndpointsAnnotation];
  if (ann !== undefined) {
    for (const msg of parseEndpointList(ann).errors) r.error(["metadata", "annotations", EndpointsAnnotation], msg);
  }
}

export function validateEndpointSlice(o: KubeObject, r: Reporter): void {
  const at = str(r, o, "addressType", [], { required: true, oneOf: ["IPv4", "IPv6", "FQDN"] });
  if (!o.metadata.labels?.["kubernetes.io/service-name"])
    r.error(["metadata", "labels"], 'must have the "kubernetes.io/service-name" label naming its Service');
  for (const [e, ep] of objItems(r, list(r, o, "endpoints", []), ["endpoints"])) {
    list(r, e, "addresses", ep, { required: true, min: 1 })?.forEach((a, i) => {
      if (typeof a !== "string" || ((at === "IPv4" || at === "IPv6") && !isIP(a)))
        r.error([...ep, "addresses", i], `${quoted(a)} is not a valid ${at} address`);
    });
  }
  for (const [p, pp] of objItems(r, list(r, o, "ports", []), ["ports"])) {
    int(r, p, "port", pp, { min: 1, max: 65535 });
  }
}

export function validateSecret(o: KubeObject, r: Reporter): void {
  const data = obj(r, o, "data", []);
  const sdata = obj(r, o, "stringData", []);
  for (const [k, v] of Object.entries(data ?? {})) {
    if (typeof v !== "string" || !/^[A-Za-z0-9+/=\s]*$/.test(v)) r.error(["data", k], "must be base64-encoded (use stringData for plain text)");
  }
  for (const [k, v] of Object.entries(sdata ?? {})) if (typeof v !== "string") r.error(["stringData", k], "must be a string");
  if (o.type === "kubernetes.io/tls") {
    let missing = false;
    for (const key of ["tls.crt", "tls.key"]) {
      if (data?.[key] === undefined && sdata?.[key] === undefined) {
        r.error(["data", key], "is required for a Secret of type kubernetes.io/tls");
        missing = true;
      }
    }
    if (!missing && r.count === 0) checkTlsPair(data, sdata, r);
  }
}

export function validateConfigMap(o: KubeObject, r: Reporter): void {
  const data = o.data;
  if (data !== undefined && !isObj(data)) r.error(["data"], "must be an object");
}

export function validateNamespace(o: KubeObject, r: Reporter): void {
  if (o.metadata.namespace !== undefined) r.error(["metadata", "namespace"], "must not be set: Namespace is cluster-scoped");
}
