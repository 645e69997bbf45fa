// The certificates the suite creates at setup (backends.json runtimeGeneratedObjects), made with
// openssl and written as Secret / ConfigMap YAML. Generated once into build/conformance/certs.json
// (gitignored) and reused, so the harness stays fast.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface Pem {
  cert: string;
  key: string;
}

export interface GeneratedCerts {
  version: number;
  /** ns/name -> PEM pair (Secrets) */
  secrets: Record<string, Pem>;
  /** ns/name -> CA certificate PEM (ConfigMaps with ca.crt) */
  configMaps: Record<string, string>;
  /** Secret ns/name -> ConfigMap ns/name of the CA that signed it (for backend TLS verification). */
  signedBy: Record<string, string>;
  /** Secret ns/name -> SANs in the certificate. */
  sans: Record<string, string[]>;
}

const VERSION = 1;
const CACHE = resolve(import.meta.dir, "../../../build/conformance/certs.json");

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function sanExt(sans: string[]): string {
  return sans.map((s) => (s.includes("://") ? `URI:${s}` : `DNS:${s}`)).join(",");
}

function generate(): GeneratedCerts {
  const dir = mkdtempSync(join(tmpdir(), "edgegate-conformance-certs-"));
  const out: GeneratedCerts = { version: VERSION, secrets: {}, configMaps: {}, signedBy: {}, sans: {} };
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const key = (n: string) => openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${n}.key`], dir);
  const selfSigned = (n: string, cn: string, sans: string[], ca: boolean) => {
    key(n);
    const ext = ["-addext", ca ? "basicConstraints=critical,CA:TRUE" : "basicConstraints=CA:FALSE"];
    if (sans.length > 0) ext.push("-addext", `subjectAltName=${sanExt(sans)}`);
    if (ca) ext.push("-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature");
    openssl(["req", "-x509", "-new", "-key", `${n}.key`, "-out", `${n}.crt`, "-days", "3650", "-subj", `/O=gateway-api conformance/CN=${cn}`, ...ext], dir);
  };
  const signed = (n: string, ca: string, cn: string, sans: string[], client = false) => {
    key(n);
    openssl(["req", "-new", "-key", `${n}.key`, "-out", `${n}.csr`, "-subj", `/O=gateway-api conformance/CN=${cn}`], dir);
    const ext = [`basicConstraints=CA:FALSE`, `extendedKeyUsage=${client ? "clientAuth" : "serverAuth,clientAuth"}`];
    if (sans.length > 0) ext.push(`subjectAltName=${sanExt(sans)}`);
    writeFileSync(join(dir, `${n}.ext`), ext.join("\n") + "\n");
    openssl(
      [
        "x509",
        "-req",
        "-in",
        `${n}.csr`,
        "-CA",
        `${ca}.crt`,
        "-CAkey",
        `${ca}.key`,
        "-CAcreateserial",
        "-out",
        `${n}.crt`,
        "-days",
        "3650",
        "-extfile",
        `${n}.ext`,
      ],
      dir,
    );
  };
  const secret = (nn: string, n: string, sans: string[], caNN?: string) => {
    out.secrets[nn] = { cert: read(`${n}.crt`), key: read(`${n}.key`) };
    out.sans[nn] = sans;
    if (caNN) out.signedBy[nn] = caNN;
  };
  try {
    const infra = "gateway-conformance-infra";
    selfSigned("web", "web-backend", ["*"], false);
    secret("gateway-conformance-web-backend/certificate", "web", ["*"]);
    selfSigned("webca", "web-backend-ca", [], true);
    out.configMaps["gateway-conformance-web-backend/web-backend-cm"] = read("webca.crt");

    selfSigned("validity", "tls-validity-checks", ["*", "*.org", "*.wildcard.org"], false);
    secret(`${infra}/tls-validity-checks-certificate`, "validity", ["*", "*.org", "*.wildcard.org"]);

    selfSigned("fca", "tls-validity-checks-ca", [], true);
    out.configMaps[`${infra}/tls-validity-checks-ca-certificate`] = read("fca.crt");
    signed("fclient", "fca", "client", [], true);
    secret(`${infra}/tls-validity-checks-client-certificate`, "fclient", [], `${infra}/tls-validity-checks-ca-certificate`);

    selfSigned("pca", "tls-validity-checks-per-port-ca", [], true);
    out.configMaps[`${infra}/tls-validity-checks-per-port-ca-certificate`] = read("pca.crt");
    signed("pclient", "pca", "client", [], true);
    secret(`${infra}/tls-validity-checks-per-port-client-certificate`, "pclient", [], `${infra}/tls-validity-checks-per-port-ca-certificate`);

    selfSigned("bca", "tls-checks-ca", [], true);
    const bca = `${infra}/tls-checks-ca-certificate`;
    out.configMaps[bca] = read("bca.crt");
    const backendSans = ["abc.example.com", "spiffe://abc.example.com/test-identity", "other.example.com"];
    signed("backend", "bca", "abc.example.com", backendSans);
    secret(`${infra}/tls-checks-certificate`, "backend", backendSans, bca);
    signed("bclient", "bca", "client", [], true);
    secret(`${infra}/tls-checks-client-certificate`, "bclient", [], bca);
    signed("passthrough", "bca", "abc.example.com", ["abc.example.com"]);
    secret(`${infra}/tls-passthrough-checks-certificate`, "passthrough", ["abc.example.com"], bca);
    secret(`gateway-conformance-app-backend/tls-passthrough-checks-certificate`, "passthrough", ["abc.example.com"], bca);
    signed("terminate", "bca", "tls.example.com", ["tls.example.com"]);
    secret(`${infra}/tls-terminate-checks-certificate`, "terminate", ["tls.example.com"], bca);

    selfSigned("mismatch", "mismatch-ca", [], true);
    out.configMaps[`${infra}/mismatch-ca-certificate`] = read("mismatch.crt");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export function certificates(): GeneratedCerts {
  if (existsSync(CACHE)) {
    const cached = JSON.parse(readFileSync(CACHE, "utf8")) as GeneratedCerts;
    if (cached.version === VERSION) return cached;
  }
  const g = generate();
  mkdirSync(resolve(CACHE, ".."), { recursive: true });
  writeFileSync(CACHE, JSON.stringify(g));
  return g;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** The Secrets and ConfigMaps as one multi-document YAML text. */
export function certificateManifests(g: GeneratedCerts): string {
  const docs: string[] = [];
  for (const [nn, pem] of Object.entries(g.secrets)) {
    const [ns, name] = nn.split("/");
    docs.push(
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64(pem.cert)}\n  tls.key: ${b64(pem.key)}\n`,
    );
  }
  for (const [nn, pem] of Object.entries(g.configMaps)) {
    const [ns, name] = nn.split("/");
    docs.push(
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  ca.crt: |\n${pem
        .trimEnd()
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n")}\n`,
    );
  }
  return docs.join("---\n");
}
