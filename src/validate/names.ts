// Name and value formats from the Gateway API and Kubernetes API conventions.
import type { StrOpts } from "./fields.ts";

const label = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

export const hostname: StrOpts = {
  min: 1,
  max: 253,
  pattern: new RegExp(`^(\\*\\.)?${label}(\\.${label})*$`),
  patternName: "a valid hostname (lower case RFC 1123, optionally starting with *.)",
};
export const preciseHostname: StrOpts = {
  min: 1,
  max: 253,
  pattern: new RegExp(`^${label}(\\.${label})*$`),
  patternName: "a valid hostname (lower case RFC 1123, no wildcard)",
};
export const sectionName: StrOpts = {
  min: 1,
  max: 253,
  pattern: new RegExp(`^${label}(\\.${label})*$`),
  patternName: "a valid section name (lower case RFC 1123 subdomain)",
};
export const objectName: StrOpts = { min: 1, max: 253 };
export const namespace: StrOpts = {
  min: 1,
  max: 63,
  pattern: new RegExp(`^${label}$`),
  patternName: "a valid namespace (lower case RFC 1123 label)",
};
export const group: StrOpts = {
  max: 253,
  pattern: new RegExp(`^$|^${label}(\\.${label})*$`),
  patternName: "a valid API group",
};
export const kind: StrOpts = { min: 1, max: 63, pattern: /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/, patternName: "a valid kind" };
export const headerName: StrOpts = {
  min: 1,
  max: 256,
  pattern: /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/,
  patternName: "a valid HTTP header name",
};
export const duration: StrOpts = {
  pattern: /^([0-9]{1,5}(h|m|s|ms)){1,4}$/,
  patternName: "a valid Gateway API duration (e.g. 10s, 1m30s, 500ms)",
};
export const controllerName: StrOpts = {
  min: 1,
  max: 253,
  pattern: new RegExp(`^${label}(\\.${label})*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$`),
  patternName: "a domain-prefixed path (e.g. example.com/gateway-controller)",
};
export const dnsLabel = new RegExp(`^${label}$`);

/** Gateway API Duration to milliseconds. */
export function durationMs(d: string): number {
  let ms = 0;
  for (const m of d.matchAll(/([0-9]+)(h|ms|m|s)/g)) {
    const n = Number(m[1]);
    ms += m[2] === "h" ? n * 3_600_000 : m[2] === "m" ? n * 60_000 : m[2] === "s" ? n * 1000 : n;
  }
  return ms;
}
