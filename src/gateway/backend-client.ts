// Gateway spec.tls.backend.clientCertificateRef: the certificate the Gateway presents to
// backends that ask for one (BackendTLSPolicy targets), and the Gateway's ResolvedRefs condition.
import type { Gateway } from "../kinds/gateway-api.ts";
import { GatewayGroup } from "../kinds/gateway-api.ts";
import type { IrSecret } from "../ir/types.ts";
import { condition, type Condition } from "../object-status/types.ts";
import type { Inputs } from "../translate/inputs.ts";
import { refAllowed } from "../translate/refgrant.ts";
import { certificateSecret } from "../translate/secrets.ts";

export interface BackendClient {
  /** IrSecret name of the client certificate, when one is configured and resolves. */
  secret?: string;
  resolvedRefs: Condition;
}

export function backendClientCertificate(inp: Inputs, gw: Gateway, secrets: Map<string, IrSecret>): BackendClient {
  const g = gw.metadata.generation;
  const ok: BackendClient = { resolvedRefs: condition("ResolvedRefs", true, "ResolvedRefs", "all references resolved", g) };
  const ref = gw.spec.tls?.backend?.clientCertificateRef;
  if (!ref) return ok;
  const ns = gw.metadata.namespace;
  const refNs = ref.namespace ?? ns;
  const bad = (reason: string, msg: string): BackendClient => ({
    resolvedRefs: condition("ResolvedRefs", false, reason, `spec.tls.backend.clientCertificateRef: ${msg}`, g),
  });
  if ((ref.group ?? "") !== "" || (ref.kind ?? "Secret") !== "Secret")
    return bad("InvalidClientCertificateRef", `${ref.group ?? ""}/${ref.kind ?? ""} is not supported (only core Secret)`);
  if (!refAllowed(inp, { group: GatewayGroup, kind: "Gateway", namespace: ns }, { group: "", kind: "Secret", namespace: refNs, name: ref.name })) {
    return bad("RefNotPermitted", `Secret ${refNs}/${ref.name} is in another namespace and no ReferenceGrant allows it`);
  }
  const s = inp.secrets.get(`${refNs}/${ref.name}`);
  if (!s) return bad("InvalidClientCertificateRef", `Secret ${refNs}/${ref.name} not found`);
  const cert = certificateSecret(s);
  if (!cert.ok) return bad("InvalidClientCertificateRef", cert.message);
  secrets.set(cert.secret.name, cert.secret);
  return { ...ok, secret: cert.secret.name };
}
