// A kubernetes.io/tls Secret's certificate and key, checked as Envoy will load them: a certificate
// that does not parse, a key that does not parse (or needs a passphrase), or a key that does not
// belong to the certificate is a problem, so the Secret's last good version stays in force instead
// of Envoy refusing the listener that uses it.
import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import type { Reporter } from "../problems.ts";
import type { Obj } from "../../yaml/value.ts";

/** The text of `key` from stringData (which wins, as in Kubernetes) or base64 data, and its field. */
function material(data: Obj | undefined, sdata: Obj | undefined, key: string): { text: string; field: string } | undefined {
  const s = sdata?.[key];
  if (typeof s === "string") return { text: s, field: "stringData" };
  const d = data?.[key];
  if (typeof d === "string") return { text: Buffer.from(d.replace(/\s+/g, ""), "base64").toString("utf8"), field: "data" };
  return undefined;
}

/** The library's reason, without OpenSSL's "error:0c00006d:" prefix. */
const reason = (e: unknown): string => (e as Error).message.replace(/^error:[0-9a-fA-F]+:/, "").slice(0, 100);

export function checkTlsPair(data: Obj | undefined, sdata: Obj | undefined, r: Reporter): void {
  const crt = material(data, sdata, "tls.crt");
  const key = material(data, sdata, "tls.key");
  let cert: X509Certificate | undefined;
  let priv: KeyObject | undefined;
  if (crt) {
    if (!crt.text.includes("-----BEGIN CERTIFICATE-----")) r.error([crt.field, "tls.crt"], "does not hold a PEM certificate (no BEGIN CERTIFICATE line)");
    else {
      try {
        cert = new X509Certificate(crt.text);
      } catch (e) {
        r.error([crt.field, "tls.crt"], `the PEM certificate does not parse (${reason(e)})`);
      }
    }
  }
  if (key) {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.text)) r.error([key.field, "tls.key"], "does not hold a PEM private key (no BEGIN PRIVATE KEY line)");
    else if (key.text.includes("ENCRYPTED")) r.error([key.field, "tls.key"], "is encrypted; Envoy needs an unencrypted private key");
    else {
      try {
        priv = createPrivateKey(key.text);
      } catch (e) {
        r.error([key.field, "tls.key"], `the PEM private key does not parse (${reason(e)})`);
      }
    }
  }
  if (cert && priv && !cert.checkPrivateKey(priv))
    r.error([key!.field, "tls.key"], `does not match the certificate in ${crt!.field}.tls.crt (subject ${cert.subject.replace(/\n/g, ", ").slice(0, 100)})`);
}
