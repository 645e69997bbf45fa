// Gateway API filters -> IR route pieces (header mutation, redirect, rewrite, mirror, CORS).
import { noFTL } from "bun:jsc";
import type { HTTPHeaderFilter, HTTPRouteFilter } from "../kinds/gateway-api.ts";
import type { IrCors, IrHeaderMutation, IrMirror, IrRouteAction } from "../ir/types.ts";
import type { RouteBackends } from "./backends.ts";

export function headerMutation(f: HTTPHeaderFilter | undefined): IrHeaderMutation | undefined {
  if (!f) return undefined;
  return { set: f.set ?? [], add: f.add ?? [], remove: f.remove ?? [] };
}

export interface FilterResult {
  requestHeaders?: IrHeaderMutation;
  responseHeaders?: IrHeaderMutation;
  redirect?: Extract<IrRouteAction, { type: "redirect" }>;
  rewrite?: { path?: { type: "ReplaceFullPath" | "ReplacePrefixMatch"; value: string }; hostname?: string };
  mirrors: IrMirror[];
  cors?: IrCors;
  /** A filter that cannot be applied: the rule must answer 500 rather than skip it. */
  broken?: string;
}

export function applyFilters(
  filters: readonly HTTPRouteFilter[],
  backends: RouteBackends,
  listener: { port: number; protocol: string },
  path: ReadonlyArray<string | number>,
): FilterResult {
  const out: FilterResult = { mirrors: [] };
  filters.forEach((f, i) => {
    const fp = [...path, i];
    switch (f.type) {
      case "RequestHeaderModifier":
        out.requestHeaders = headerMutation(f.requestHeaderModifier);
        break;
      case "ResponseHeaderModifier":
        out.responseHeaders = headerMutation(f.responseHeaderModifier);
        break;
      case "RequestRedirect": {
        const r = f.requestRedirect ?? {};
        out.redirect = {
          type: "redirect",
          scheme: r.scheme,
          hostname: r.hostname,
          port: redirectPort(r.scheme, r.port, listener),
          path: r.path
            ? { type: r.path.type, value: (r.path.type === "ReplaceFullPath" ? r.path.replaceFullPath : r.path.replacePrefixMatch) ?? "/" }
            : undefined,
          statusCode: r.statusCode ?? 302,
        };
        break;
      }
      case "URLRewrite": {
        const u = f.urlRewrite ?? {};
        out.rewrite = {
          hostname: u.hostname,
          path: u.path
            ? { type: u.path.type, value: (u.path.type === "ReplaceFullPath" ? u.path.replaceFullPath : u.path.replacePrefixMatch) ?? "/" }
            : undefined,
        };
        break;
      }
      case "RequestMirror": {
        const m = f.requestMirror;
        if (!m) break;
        const cluster = backends.resolve(m.backendRef, [...fp, "requestMirror", "backendRef"]);
        if (!cluster) break;
        const frac = m.fraction
          ? { numerator: m.fraction.numerator, denominator: m.fraction.denominator ?? 100 }
          : { numerator: m.percent ?? 100, denominator: 100 };
        out.mirrors.push({ cluster, ...frac });
        break;
      }
      case "CORS": {
        const c = f.cors ?? {};
        out.cors = {
          allowOrigins: c.allowOrigins ?? [],
          allowMethods: c.allowMethods ?? [],
          allowHeaders: c.allowHeaders ?? [],
          exposeHeaders: c.exposeHeaders ?? [],
          allowCredentials: c.allowCredentials ?? false,
          maxAgeSeconds: c.maxAge,
        };
        break;
      }
      case "ExtensionRef":
        out.broken = `ExtensionRef filter ${f.extensionRef?.group}/${f.extensionRef?.kind} ${f.extensionRef?.name} is not supported by edgegate`;
        break;
    }
  });
  return out;
}

// The Gateway API: no port given -> the scheme's well-known port when the scheme is set, else the
// listener's port. Envoy leaves the port out of Location when it is the scheme's default.
function redirectPort(scheme: string | undefined, port: number | undefined, listener: { port: number; protocol: string }): number | undefined {
  if (port !== undefined) return port;
  if (scheme === "https") return 443;
  if (scheme === "http") return 80;
  return listener.port;
}

// Once per rule of every route in a large translation: kept below FTL (see src/validate/kinds/routes.ts).
noFTL(applyFilters);
