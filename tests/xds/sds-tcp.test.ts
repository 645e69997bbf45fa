// Secrets (private keys) are served to the local Envoy on the 0600 Unix socket only: over TCP any
// local process could ask for them. Checked with the scripted wire-level client (not a real xDS
// client; no real client here uses SDS).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { create } from "@bufbuild/protobuf";
import { SecretSchema } from "../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.ts";
import { TypeUrl } from "../../src/xds/resources.ts";
import { openSotw } from "../doubles/xds-client.ts";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import * as f from "./fixtures.ts";

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
  const secret = create(SecretSchema, {
    name: "default/cert",
    type: { case: "tlsCertificate", value: { privateKey: { specifier: { case: "inlineString", value: "KEY" } } } },
  });
  cp.cache.publish(f.resources({ secrets: [secret], clusters: [f.edsCluster("c")], endpoints: [f.endpoints("c", [1])] }));
});
afterAll(() => cp.close());

test("the Unix socket serves SDS; TCP refuses it (and says so in the log) but still serves CDS", async () => {
  const local = openSotw({ unix: cp.socket });
  local.request({ typeUrl: TypeUrl.secret, resourceNames: ["default/cert"], node: { id: "envoy" } });
  expect((await local.at(0)).resources.length).toBe(1);
  local.close();

  const remote = openSotw({ tcp: `127.0.0.1:${cp.port}` });
  remote.request({ typeUrl: TypeUrl.secret, resourceNames: ["default/cert"], node: { id: "other" } });
  remote.request({ typeUrl: TypeUrl.cluster, node: { id: "other" } });
  const first = await remote.at(0);
  expect(first.typeUrl).toBe(TypeUrl.cluster);
  await Bun.sleep(200);
  expect(remote.responses.some((r) => r.typeUrl === TypeUrl.secret)).toBe(false);
  expect(cp.logs.some((l) => String(l.msg).includes("SDS (secrets) requested over TCP"))).toBe(true);
  remote.close();
});
