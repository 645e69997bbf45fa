// `render`'s JSON text, built so that the largest part (the virtual hosts of big route configs) is
// converted and printed one virtual host at a time and never held as a whole message tree plus a
// whole JSON tree. The text is byte-for-byte what JSON.stringify(xdsToJson(...), null, 2) prints;
// tests/xds/render.test.ts checks that.
import { create, toJson, type JsonValue } from "@bufbuild/protobuf";
import { RouteConfigurationSchema } from "../../gen/envoy/config/route/v3/route_pb.ts";
import { VirtualHostSchema, type VirtualHost } from "../../gen/envoy/config/route/v3/route_components_pb.ts";
import type { XdsResources } from "../resources.ts";
import { xdsRegistry, xdsToJson } from "../json.ts";
import type { Ir } from "../../ir/types.ts";
import { emitXds } from "../emit/index.ts";
import { emitVirtualHost } from "../emit/routes.ts";
import type { EmitOptions } from "../emit/options.ts";

const token = (i: number): string => `@@edgegate-virtual-hosts-${i}@@`;

// Virtual hosts are printed in batches by one JSON.stringify each, nested four lists deep so that
// JSON.stringify itself indents them as doc.routes[i].virtualHosts[j] (8 spaces): no second pass over
// the text to indent it, and one call per batch instead of one per virtual host.
const batchSize = 64;
const nestOpen = "[\n  [\n    [\n      [\n".length;
const nestClose = "\n      ]\n    ]\n  ]\n]".length;

function printedItems(items: JsonValue[]): string {
  const text = JSON.stringify([[[items]]], null, 2);
  return text.slice(nestOpen, text.length - nestClose);
}

/**
 * Pretty JSON of `xds` (+ extra top-level keys), as JSON.stringify(doc, null, 2) + "\n", written in
 * chunks so that the whole text need not exist at once.
 * `virtualHosts(i)` yields route config i's virtual hosts when they are not in the messages (render
 * emits them one at a time from the IR, so no whole message tree is ever held).
 */
export function writeJsonText(
  write: (chunk: string) => void,
  xds: XdsResources,
  extra: Record<string, unknown> = {},
  virtualHosts: (i: number) => { count: number; each: () => Iterable<VirtualHost> } = (i) => ({
    count: xds.routes[i]!.virtualHosts.length,
    each: () => xds.routes[i]!.virtualHosts,
  }),
  redact = false,
): void {
  // Route configs lose their virtual hosts for the skeleton; a token marks where they go.
  const vhostLists = xds.routes.map((_, i) => virtualHosts(i));
  const skeletonRoutes = xds.routes.map((rc) => create(RouteConfigurationSchema, { ...rc, virtualHosts: [] }));
  const doc: Record<string, unknown> = { ...xdsToJson({ ...xds, routes: skeletonRoutes }), ...extra };
  if (redact) doc.secrets = (doc.secrets as JsonValue[]).map(redactPrivateKey);
  const routesJson = doc.routes as Array<Record<string, JsonValue>>;
  routesJson.forEach((rc, i) => {
    // Canonical JSON orders fields by number: name (1), then virtualHosts (2), then the rest.
    const { name, ...rest } = rc;
    routesJson[i] = { ...(name !== undefined ? { name } : {}), virtualHosts: token(i), ...rest };
    if (vhostLists[i]!.count === 0) delete routesJson[i]!.virtualHosts;
  });
  const skeleton = JSON.stringify(doc, null, 2);
  // doc.routes[i].virtualHosts sits at depth 3: its items are indented by 8 spaces.
  let at = 0;
  for (let i = 0; i < vhostLists.length; i++) {
    const quoted = `"${token(i)}"`;
    const pos = skeleton.indexOf(quoted, at);
    if (pos < 0) continue;
    write(skeleton.slice(at, pos) + "[\n");
    let batch: JsonValue[] = [];
    let first = true;
    const flush = (): void => {
      write((first ? "" : ",\n") + printedItems(batch));
      first = false;
      batch = [];
    };
    for (const vh of vhostLists[i]!.each()) {
      batch.push(toJson(VirtualHostSchema, vh, { registry: xdsRegistry }));
      if (batch.length === batchSize) flush();
    }
    if (batch.length > 0) flush();
    write("\n      ]");
    at = pos + quoted.length;
  }
  write(skeleton.slice(at) + "\n");
}

/**
 * render's path from IR: route configs are emitted without virtual hosts, which stream in.
 * `redact`: private keys print as "[redacted]", as in Envoy's own config_dump.
 */
export function writeIrJsonText(write: (chunk: string) => void, ir: Ir, emit: EmitOptions, extra: Record<string, unknown> = {}, redact = false): void {
  const xds = emitXds(ir, emit, undefined, true);
  const proxyless = new Set(ir.apiListeners.map((a) => a.routeConfig));
  writeJsonText(
    write,
    xds,
    extra,
    (i) => {
      const rc = ir.routeConfigs[i];
      // Past the IR's route configs come the single-host proxyless ones, emitted whole.
      if (!rc) return { count: xds.routes[i]!.virtualHosts.length, each: () => xds.routes[i]!.virtualHosts };
      return {
        count: rc.virtualHosts.length,
        *each() {
          for (const vh of rc.virtualHosts) yield emitVirtualHost(vh, proxyless.has(rc.name));
        },
      };
    },
    redact,
  );
}

// Envoy's config_dump prints "[redacted]" for private keys; render does the same unless asked.
export function redactPrivateKey(secret: JsonValue): JsonValue {
  if (typeof secret !== "object" || secret === null || Array.isArray(secret)) return secret;
  const tls = secret.tlsCertificate;
  if (typeof tls !== "object" || tls === null || Array.isArray(tls) || tls.privateKey === undefined) return secret;
  return { ...secret, tlsCertificate: { ...tls, privateKey: { inlineString: "[redacted]" } } };
}
