// TLS Secrets and CA ConfigMaps -> IR secrets. Material is carried, never logged or put in names.
import type { IrSecret } from "../ir/types.ts";
import type { ConfigMap, Secret } from "../kinds/core.ts";

export function secretValue(s: Secret, key: string): string | undefined {
  const sd = s.stringData?.[key];
  if (sd !== undefined) return sd;
  const d = s.data?.[key];
  return d === undefined ? undefined : Buffer.from(d.replace(/\s+/g, ""), "base64").toString("utf8");
}

const pemBlock = (text: string, label: RegExp): boolean => new RegExp(`-----BEGIN ${label.source}-----[\\s\\S]+?-----END ${label.source}-----`).test(text);

export type CertResult = { ok: true; secret: IrSecret } | { ok: false; message: string };

export function certificateSecret(s: Secret): CertResult {
  const ref = `Secret ${s.metadata.namespace}/${s.metadata.name}`;
  if (s.type !== undefined && s.type !== "kubernetes.io/tls") return { ok: false, message: `${ref} has type ${s.type}, not kubernetes.io/tls` };
  const crt = secretValue(s, "tls.crt");
  const key = secretValue(s, "tls.key");
  if (!crt || !pemBlock(crt, /CERTIFICATE/)) return { ok: false, message: `${ref}: tls.crt does not hold a PEM certificate` };
  if (!key || !pemBlock(key, /(RSA |EC |ENCRYPTED )?PRIVATE KEY/)) return { ok: false, message: `${ref}: tls.key does not hold a PEM private key` };
  return { ok: true, secret: { name: `${s.metadata.namespace}/${s.metadata.name}`, type: "certificate", certChain: crt, privateKey: key } };
}

export function caSecretFromConfigMap(cm: ConfigMap): CertResult {
  const ca = cm.data?.["ca.crt"];
  const ref = `ConfigMap ${cm.metadata.namespace}/${cm.metadata.name}`;
  if (!ca || !pemBlock(ca, /CERTIFICATE/)) return { ok: false, message: `${ref}: ca.crt does not hold a PEM certificate` };
  return { ok: true, secret: { name: `${cm.metadata.namespace}/${cm.metadata.name}/ca.crt`, type: "ca", caBundle: ca } };
}
