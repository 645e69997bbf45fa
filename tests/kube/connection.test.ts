// In-cluster and kubeconfig credentials, without a server: what is read from where, and the
// service account token re-read after the kubelet rotates it.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inClusterConnection, kubeconfigConnection } from "../../src/kube/connection.ts";

const dir = mkdtempSync(join(tmpdir(), "edgegate-conn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("in-cluster: service host and port, CA, namespace, and a rotated token is picked up", async () => {
  writeFileSync(join(dir, "ca.crt"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  writeFileSync(join(dir, "namespace"), "edgegate-system\n");
  writeFileSync(join(dir, "token"), "first\n");
  const c = inClusterConnection({ KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" }, dir, 50);
  expect(c.server).toBe("https://10.96.0.1:443");
  expect(c.ca).toContain("BEGIN CERTIFICATE");
  expect(c.namespace).toBe("edgegate-system");
  expect(c.token?.()).toBe("first");
  writeFileSync(join(dir, "token"), "second\n");
  await Bun.sleep(80);
  expect(c.token?.()).toBe("second");
  expect(inClusterConnection({ KUBERNETES_SERVICE_HOST: "fd00::1" }, dir).server).toBe("https://[fd00::1]:443");
  expect(() => inClusterConnection({}, dir)).toThrow("KUBERNETES_SERVICE_HOST");
});

test("kubeconfig: relative certificate files, inline data, tokenFile, contexts; exec plugins refused", () => {
  writeFileSync(join(dir, "client.crt"), "CERT");
  writeFileSync(join(dir, "tok"), "file-token\n");
  const file = join(dir, "config");
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
current-context: a
clusters:
- {name: c1, cluster: {server: "https://k8s.example:6443/", certificate-authority-data: ${Buffer.from("CA1").toString("base64")}}}
users:
- {name: u1, user: {client-certificate: client.crt, client-key-data: ${Buffer.from("KEY").toString("base64")}}}
- {name: u2, user: {tokenFile: tok}}
- {name: u3, user: {exec: {command: aws}}}
contexts:
- {name: a, context: {cluster: c1, user: u1, namespace: ns1}}
- {name: b, context: {cluster: c1, user: u2}}
- {name: x, context: {cluster: c1, user: u3}}
`,
  );
  const a = kubeconfigConnection(file);
  expect([a.server, a.ca, a.cert, a.key, a.namespace, a.token]).toEqual(["https://k8s.example:6443", "CA1", "CERT", "KEY", "ns1", undefined]);
  expect(kubeconfigConnection(file, "b").token?.()).toBe("file-token");
  expect(() => kubeconfigConnection(file, "x")).toThrow("exec and auth-provider credentials are not supported");
});
