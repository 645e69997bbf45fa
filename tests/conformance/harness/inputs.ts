// The YAML inputs of one test as the suite would have applied them: base + the test's manifests
// (placeholders substituted as the suite's Applier does), a GatewayClass for edgegate, the
// generated certificates, and EndpointSlices for the Services (standing in for Kubernetes).
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { SUITE_DIR, manifestPath, type BackendsJson } from "./suite.ts";
import { certificateManifests, type GeneratedCerts } from "./certs.ts";
import { endpointSliceManifests, serviceEndpoints, type Pod, type ServiceEndpoints } from "./backends.ts";

export const GATEWAY_CLASS = "edgegate-conformance";
/** The suite's --usable-address / --unusable-address flags (GatewayStaticAddresses). */
export const USABLE_ADDRESS = "127.0.1.250";
export const UNUSABLE_ADDRESS = "192.0.2.1";

export interface InputText {
  /** A readable name for problems: the suite path, or "(harness) ...". */
  file: string;
  text: string;
}

/** The suite's Applier: gatewayClassName, GatewayClass controllerName and address placeholders. */
export function substitute(text: string, controllerName: string): string {
  return text
    .replaceAll("{GATEWAY_CLASS_NAME}", GATEWAY_CLASS)
    .replaceAll("{GATEWAY_CONTROLLER_NAME}", controllerName)
    .replaceAll("PLACEHOLDER_USABLE_ADDRS", USABLE_ADDRESS)
    .replaceAll("PLACEHOLDER_UNUSABLE_ADDRS", UNUSABLE_ADDRESS);
}

export function gatewayClassManifest(controllerName: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: ${GATEWAY_CLASS}\nspec:\n  controllerName: ${controllerName}\n`;
}

/**
 * remap: adjusts a Service's endpoints before they are written, for live modes whose backends
 * cannot listen where the suite's pods would (e.g. the gRPC echoes on a free port, not 3000).
 */
export function testInputs(
  manifests: readonly string[],
  controllerName: string,
  backends: BackendsJson,
  pods: Map<string, Pod>,
  certs: GeneratedCerts,
  remap: (s: ServiceEndpoints) => ServiceEndpoints = (s) => s,
): InputText[] {
  const files = ["conformance/base/manifests.yaml", ...manifests.filter((m) => m !== "conformance/base/manifests.yaml")];
  const out: InputText[] = [{ file: "(harness) gatewayclass.yaml", text: gatewayClassManifest(controllerName) }];
  for (const f of files) out.push({ file: f, text: substitute(readFileSync(manifestPath(f), "utf8"), controllerName) });
  out.push({ file: "(harness) certificates.yaml", text: certificateManifests(certs) });
  const defined = files.map((f) => relative(SUITE_DIR, manifestPath(f)));
  out.push({ file: "(harness) endpointslices.yaml", text: endpointSliceManifests(serviceEndpoints(backends, pods, defined).map(remap)) });
  return out;
}
