// GatewayClass parameters edgegate reads: its own GatewayClassConfig (edgegate.io/v1alpha1) and
// Cilium's CiliumGatewayClassConfig (cilium.io/v2alpha1), which a Cilium user brings. Cilium's
// object is checked only as far as edgegate reads it; its other fields are Cilium's business and
// are named as not applied in the GatewayClass's status (src/gateway/class-params.ts).
import type { KubeObject } from "../../store/types.ts";
import type { Reporter } from "../problems.ts";
import { int, known, obj, str } from "../fields.ts";
import { isObj } from "../../yaml/value.ts";

export function validateGatewayClassConfig(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const sp = ["spec"];
  known(r, spec, sp, ["description", "exposure", "http"]);
  str(r, spec, "description", sp, { max: 1024 });
  const exposure = obj(r, spec, "exposure", sp);
  if (exposure) {
    const ep = [...sp, "exposure"];
    known(r, exposure, ep, ["mode", "nodePorts"]);
    str(r, exposure, "mode", ep, { oneOf: ["hostNetwork", "nodePort"] });
    const np = exposure.nodePorts;
    if (np !== undefined) {
      if (!isObj(np)) r.error([...ep, "nodePorts"], "must be a map of listener port to node port");
      else
        for (const [k, v] of Object.entries(np)) {
          if (!/^[0-9]{1,5}$/.test(k) || Number(k) < 1 || Number(k) > 65535)
            r.error([...ep, "nodePorts", k], `${JSON.stringify(k)} is not a listener port (1-65535)`);
          if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535)
            r.error([...ep, "nodePorts", k], `must be a port number 1-65535 (got ${JSON.stringify(v)})`);
        }
    }
  }
  const http = obj(r, spec, "http", sp);
  if (http) {
    known(r, http, [...sp, "http"], ["xffNumTrustedHops"]);
    int(r, http, "xffNumTrustedHops", [...sp, "http"], { min: 0, max: 64 });
  }
}

export function validateCiliumGatewayClassConfig(o: KubeObject, r: Reporter): void {
  const spec = obj(r, o, "spec", [], true);
  if (!spec) return;
  const service = obj(r, spec, "service", ["spec"]);
  if (service) str(r, service, "type", ["spec", "service"], { oneOf: ["ClusterIP", "NodePort", "LoadBalancer"] });
}
