// The API client really uses the kubeconfig's CA and client certificate (FINDINGS.md: under Bun,
// @kubernetes/client-node silently drops both). Each probe runs in its own process.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiServer, apiServerAvailable } from "./apiserver.ts";

const available = apiServerAvailable();

// Async: the mTLS server below lives in this process and must keep answering while a probe runs.
async function probe(kubeconfig: string, path = "/api/v1/namespaces"): Promise<{ ok: boolean; error?: string; kind?: string }> {
  const p = Bun.spawn([process.execPath, join(import.meta.dir, "tls-probe.ts"), kubeconfig, path], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as { ok: boolean; error?: string };
}

function kubeconfig(dir: string, name: string, server: string, user: Record<string, string>, cluster: Record<string, string>): string {
  const file = join(dir, name);
  const c = Object.entries({ server, ...cluster })
    .map(([k, v]) => `${k}: "${v}"`)
    .join(", ");
  const u = Object.entries(user)
    .map(([k, v]) => `${k}: "${v}"`)
    .join(", ");
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {${c}}}]\nusers: [{name: u, user: {${u}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
  );
  return file;
}

function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

describe.skipIf(!available)("API client TLS", () => {
  const api = new ApiServer();
  const dir = mkdtempSync(join(tmpdir(), "edgegate-tls-"));
  let mtls: ReturnType<typeof Bun.serve>;
  let mtlsUrl = "";

  beforeAll(async () => {
    await api.start();
    // A CA that did not sign the API server's certificate, and an mTLS server of our own whose
    // server and client certificates it did sign.
    openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=untrusted-test-ca");
    for (const who of ["server", "client"]) {
      openssl(
        dir,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        `${who}.key`,
        "-out",
        `${who}.csr`,
        "-subj",
        `/CN=${who === "client" ? "edgegate-node" : "127.0.0.1"}`,
      );
      writeFileSync(join(dir, `${who}.ext`), who === "server" ? "subjectAltName=IP:127.0.0.1\n" : "extendedKeyUsage=clientAuth\n");
      openssl(
        dir,
        "x509",
        "-req",
        "-in",
        `${who}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${who}.crt`,
        "-days",
        "1",
        "-extfile",
        `${who}.ext`,
      );
    }
    // Only a client presenting a certificate signed by our CA completes the handshake.
    mtls = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: {
        key: readFileSync(join(dir, "server.key"), "utf8"),
        cert: readFileSync(join(dir, "server.crt"), "utf8"),
        ca: readFileSync(join(dir, "ca.crt"), "utf8"),
        requestCert: true,
        rejectUnauthorized: true,
      },
      fetch: () => Response.json({ kind: "client-verified" }),
    });
    mtlsUrl = `https://127.0.0.1:${mtls.port}`;
  }, 60_000);

  afterAll(async () => {
    await mtls?.stop(true);
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the kubeconfig's CA is trusted: requests succeed", async () => {
    expect(await probe(api.kubeconfig)).toEqual({ ok: true, kind: "NamespaceList" });
  });

  test("an untrusted CA is refused", async () => {
    const r = await probe(kubeconfig(dir, "wrong-ca", api.url, { token: "any" }, { "certificate-authority": join(dir, "ca.crt") }));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/certificate|SELF_SIGNED|UNABLE_TO_VERIFY|verify/i);
  });

  test("no CA at all (system roots) is refused too", async () => {
    const r = await probe(kubeconfig(dir, "no-ca", api.url, { token: "any" }, {}));
    expect(r.ok).toBe(false);
  });

  test("insecure-skip-tls-verify is honoured (and only then is an unknown CA accepted)", async () => {
    const file = join(dir, "insecure");
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${api.url}", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: any}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
    );
    expect((await probe(file)).ok).toBe(true);
  });

  test("the client certificate is presented (mTLS)", async () => {
    const ca = join(dir, "ca.crt");
    const withCert = await probe(
      kubeconfig(
        dir,
        "mtls",
        mtlsUrl,
        { "client-certificate": join(dir, "client.crt"), "client-key": join(dir, "client.key") },
        { "certificate-authority": ca },
      ),
      "/",
    );
    expect(withCert).toEqual({ ok: true, kind: "client-verified" });
    const data = await probe(
      kubeconfig(
        dir,
        "mtls-data",
        mtlsUrl,
        {
          "client-certificate-data": readFileSync(join(dir, "client.crt")).toString("base64"),
          "client-key-data": readFileSync(join(dir, "client.key")).toString("base64"),
        },
        { "certificate-authority-data": readFileSync(ca).toString("base64") },
      ),
      "/",
    );
    expect(data).toEqual({ ok: true, kind: "client-verified" });
    const without = await probe(kubeconfig(dir, "no-cert", mtlsUrl, { token: "x" }, { "certificate-authority": ca }), "/");
    expect(without.ok).toBe(false);
  });
});
