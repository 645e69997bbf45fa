// RedirectAction: how Envoy forms the Location header (route_components.proto RedirectAction,
// router/config_impl.cc RouteEntryImplBase::newUri / processRequestHost).
import type { RedirectAction } from "./types.ts";
import type { PathMatch } from "./match.ts";
import { re2GlobalReplace } from "./re2.ts";
import { pathWithoutQuery } from "./match.ts";

const CODES: Record<NonNullable<RedirectAction["responseCode"]>, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

/** response_code: "The HTTP status code to use in the redirect response. The default response code is MOVED_PERMANENTLY (301)." */
export function redirectStatus(r: RedirectAction): number {
  return CODES[r.responseCode ?? "MOVED_PERMANENTLY"];
}

/**
 * Location = scheme://host[:port]path
 * - scheme: scheme_redirect, else https when https_redirect, else the request's scheme
 *   (x-forwarded-proto).
 * - port: ":"+port_redirect when set. Otherwise the request's Host keeps its port, except that
 *   "When the scheme redirection take place ... If the source URI scheme is http and the port is
 *   explicitly set to :80, the port will be removed after the redirection; if https and :443,
 *   likewise". A port_redirect also replaces the request's port.
 * - host: host_redirect, else the request's Host (minus its port as above).
 * - path: path_redirect (the request's query is kept unless path_redirect has its own query or
 *   strip_query), or prefix_rewrite of the matched prefix, or regex_rewrite of the path, else the
 *   request's path. strip_query removes the query.
 */
export function locationFor(r: RedirectAction, req: { scheme: string; authority: string; path: string }, pm: PathMatch): string {
  const scheme = r.schemeRedirect ?? (r.httpsRedirect === true ? "https" : req.scheme);
  const port = r.portRedirect !== undefined && r.portRedirect !== 0 ? `:${r.portRedirect}` : "";
  let host: string;
  if (r.hostRedirect !== undefined && r.hostRedirect !== "") {
    host = r.hostRedirect;
  } else {
    host = req.authority;
    const colon = host.startsWith("[") ? host.lastIndexOf("]:") + (host.lastIndexOf("]:") === -1 ? 0 : 1) : host.lastIndexOf(":");
    if (colon > 0) {
      const reqPort = host.slice(colon);
      let removePort = port !== "";
      if (scheme !== req.scheme) {
        removePort ||= req.scheme === "https" && reqPort === ":443";
        removePort ||= req.scheme === "http" && reqPort === ":80";
      }
      if (removePort) host = host.slice(0, colon);
    }
  }

  let path: string;
  let pathHasOwnQuery = false;
  if (r.pathRedirect !== undefined && r.pathRedirect !== "") {
    pathHasOwnQuery = r.pathRedirect.includes("?");
    const q = req.path.indexOf("?");
    path = pathHasOwnQuery || q === -1 ? r.pathRedirect : r.pathRedirect + req.path.slice(q);
  } else if (r.prefixRewrite !== undefined) {
    path = r.prefixRewrite + req.path.slice(pm.matchedLength);
  } else if (r.regexRewrite?.pattern?.regex !== undefined) {
    const bare = pathWithoutQuery(req.path);
    path = re2GlobalReplace(r.regexRewrite.pattern.regex, bare, r.regexRewrite.substitution ?? "") + req.path.slice(bare.length);
  } else {
    path = req.path;
  }
  if (!path.startsWith("/")) path = "/" + path;
  if (!pathHasOwnQuery && r.stripQuery === true) path = pathWithoutQuery(path);
  return `${scheme}://${host}${port}${path}`;
}
