// `validate --config`: the listener ports the Envoy that `edgegate run` would start cannot bind,
// as warnings. At run time such a listener gets Programmed=False, PortUnavailable (gateway/
// host-ports.ts, same message); validate says so before the configuration is deployed. It judges
// with the privileges of the process running it (src/net/listening.ts unprivilegedPortStart), so
// it speaks for `run` when run as the same user with the same capabilities (an ExecStartPre, or
// the DaemonSet's container).
import { refKey, type StoredObject } from "../store/types.ts";
import type { TranslateResult } from "../translate/index.ts";
import { privilegedPortMessage } from "../gateway/host-ports.ts";
import { locate } from "../pipeline/locate.ts";
import type { Problem } from "../validate/problems.ts";
import type { FieldPath } from "../yaml/documents.ts";

/**
 * One warning per object and port Envoy would bind below `unprivilegedPortStart` (0: it can bind
 * any). A Gateway (or ListenerSet) listener is pointed at its spec.listeners[i].port; an Ingress
 * (whose ports 80 and 443 are implicit) or a mesh route at the object.
 */
export function privilegedPortWarnings(result: Pick<TranslateResult, "ir">, objects: readonly StoredObject[], unprivilegedPortStart: number): Problem[] {
  if (unprivilegedPortStart === 0) return [];
  const byKey = new Map(objects.map((o) => [o.key, o]));
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const l of result.ir.listeners) {
    if (l.port >= unprivilegedPortStart) continue;
    for (const origin of l.origins) {
      const key = refKey(origin.owner);
      const so = byKey.get(key);
      let path: FieldPath = [];
      if (origin.section !== undefined && so) {
        const listeners = (so.object as { spec?: { listeners?: Array<{ name?: string }> } }).spec?.listeners ?? [];
        const i = listeners.findIndex((x) => x.name === origin.section);
        if (i >= 0) path = ["spec", "listeners", i, "port"];
      }
      const id = `${key}|${l.port}|${path.join(".")}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(locate({ key, path, message: privilegedPortMessage(l.port, unprivilegedPortStart) }, byKey));
    }
  }
  return out;
}
