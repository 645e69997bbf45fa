// GatewayClass and Gateway: fields and the cross-field rules the CRD's CEL rules enforce.
import type { KubeObject } from "../../store/types.ts";
import type { Reporter } from "../problems.ts";
import { int, known, list, obj, objItems, str } from "../fields.ts";
import type { Obj } from "../../yaml/value.ts";
import * as n from "../names.ts";
import { validateLabelSelector } from "./selector.ts";
import { isIP } from "../../net/ip.ts";
import { quoted } from "../problems.ts";

export function validateGatewayClass(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  known(r, spec, ["spec"], ["controllerName", "description", "parametersRef"]);
  str(r, spec, "controllerName", ["spec"], { ...n.controllerName, required: true });
  str(r, spec, "description", ["spec"], { max: 64 });
}

const protocols = ["HTTP", "HTTPS", "TLS", "TCP", "UDP"];

export function validateGateway(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, ["gatewayClassName", "listeners", "addresses", "infrastructure", "tls", "allowedListeners", "defaultScope"]);
  str(r, spec, "gatewayClassName", sp, { ...n.objectName, required: true });
  validateListeners(r, spec, sp, "Gateway");
  const al = obj(r, spec, "allowedListeners", sp);
  if (al) {
    const ap = [...sp, "allowedListeners"];
    known(r, al, ap, ["namespaces"]);
    const ns = obj(r, al, "namespaces", ap);
    if (ns) validateNamespaceFrom(r, ns, [...ap, "namespaces"]);
  }
  for (const [a, p] of objItems(r, list(r, spec, "addresses", sp, { max: 16 }), [...sp, "addresses"])) {
    known(r, a, p, ["type", "value"]);
    const type = str(r, a, "type", p, { max: 253 }) ?? "IPAddress";
    const value = str(r, a, "value", p, { min: 1, max: 253 });
    if (type === "IPAddress" && value !== undefined && !isIP(value)) r.error([...p, "value"], `${quoted(value)} is not a valid IP address`);
    if (type === "Hostname" && value !== undefined && !n.preciseHostname.pattern!.test(value))
      r.error([...p, "value"], `${quoted(value)} is not a valid hostname`);
  }
  const infra = obj(r, spec, "infrastructure", sp);
  if (infra) {
    const ip = [...sp, "infrastructure"];
    known(r, infra, ip, ["labels", "annotations", "parametersRef"]);
    for (const k of ["labels", "annotations"]) {
      const m = obj(r, infra, k, ip);
      if (m && Object.keys(m).length > 8) r.error([...ip, k], "must have at most 8 entries");
    }
  }
}

function validateListenerTls(r: Reporter, tls: Obj, p: Array<string | number>, protocol: string | undefined): void {
  known(r, tls, p, ["mode", "certificateRefs", "options", "frontendValidation"]);
  const mode = str(r, tls, "mode", p, { oneOf: ["Terminate", "Passthrough"] }) ?? "Terminate";
  const refs = objItems(r, list(r, tls, "certificateRefs", p, { max: 64 }), [...p, "certificateRefs"]);
  for (const [ref, rp] of refs) {
    known(r, ref, rp, ["group", "kind", "namespace", "name"]);
    str(r, ref, "group", rp, n.group);
    str(r, ref, "kind", rp, n.kind);
    str(r, ref, "namespace", rp, n.namespace);
    str(r, ref, "name", rp, { ...n.objectName, required: true });
  }
  if (mode === "Terminate" && refs.length === 0 && protocol === "HTTPS")
    r.error([...p, "certificateRefs"], "must have at least one item when mode is Terminate");
  if (protocol === "HTTPS" && mode === "Passthrough") r.error([...p, "mode"], "must be Terminate when protocol is HTTPS");
}

function validateAllowedRoutes(r: Reporter, ar: Obj, p: Array<string | number>): void {
  known(r, ar, p, ["namespaces", "kinds"]);
  const ns = obj(r, ar, "namespaces", p);
  if (ns) validateNamespaceFrom(r, ns, [...p, "namespaces"]);
  for (const [k, kp] of objItems(r, list(r, ar, "kinds", p, { max: 8 }), [...p, "kinds"])) {
    known(r, k, kp, ["group", "kind"]);
    str(r, k, "group", kp, n.group);
    str(r, k, "kind", kp, { ...n.kind, required: true });
  }
}

/** spec.listeners of a Gateway or a ListenerSet: the same ListenerEntry fields and uniqueness rules. */
export function validateListeners(r: Reporter, spec: Obj, sp: Array<string | number>, owner: "Gateway" | "ListenerSet"): void {
  const listeners = objItems(r, list(r, spec, "listeners", sp, { required: true, min: 1, max: 64 }), [...sp, "listeners"]);
  const names = new Map<string, number>();
  const combos = new Map<string, number>();
  listeners.forEach(([l, p], i) => {
    known(r, l, p, ["name", "hostname", "port", "protocol", "tls", "allowedRoutes"]);
    const name = str(r, l, "name", p, { ...n.sectionName, required: true });
    const host = str(r, l, "hostname", p, n.hostname);
    const port = int(r, l, "port", p, { required: true, min: 1, max: 65535 });
    const protocol = str(r, l, "protocol", p, {
      required: true,
      max: 255,
      pattern: /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/,
      patternName: "a valid protocol (HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed name)",
    });
    if (name !== undefined) {
      const prev = names.get(name);
      if (prev !== undefined)
        r.error([...p, "name"], `listener name ${quoted(name)} is already used by spec.listeners[${prev}]; listener names must be unique within a ${owner}`);
      else names.set(name, i);
    }
    if (port !== undefined && protocol !== undefined) {
      const key = `${port}/${protocol}/${host ?? ""}`;
      const prev = combos.get(key);
      if (prev !== undefined) r.error(p, `conflicts with spec.listeners[${prev}]: port, protocol and hostname must be unique for each listener`);
      else combos.set(key, i);
    }
    if (host !== undefined && (protocol === "TCP" || protocol === "UDP")) r.error([...p, "hostname"], `must not be set when protocol is ${protocol}`);
    const tls = obj(r, l, "tls", p);
    if (protocol === "HTTPS" && !tls) r.error([...p, "tls"], "is required when protocol is HTTPS");
    if (tls) validateListenerTls(r, tls, [...p, "tls"], protocol);
    const ar = obj(r, l, "allowedRoutes", p);
    if (ar) validateAllowedRoutes(r, ar, [...p, "allowedRoutes"]);
    if (protocol !== undefined && !protocols.includes(protocol) && !protocol.includes("/")) {
      // Unknown protocols are not a schema error: the Gateway API reports them in listener status
      // (UnsupportedProtocol). Nothing to do here.
    }
  });
}

function validateNamespaceFrom(r: Reporter, ns: Obj, np: Array<string | number>): void {
  known(r, ns, np, ["from", "selector"]);
  const from = str(r, ns, "from", np, { oneOf: ["All", "Same", "Selector", "None"] });
  const sel = obj(r, ns, "selector", np);
  if (from === "Selector" && !sel) r.error([...np, "selector"], "is required when from is Selector");
  if (sel) validateLabelSelector(r, sel, [...np, "selector"]);
}
