// An HTTP header list as Envoy holds it: ordered (name, value) entries, names lower-cased,
// repeated names kept as separate entries (HTTP/1 requests may repeat a header).
import type { HeaderValueOption } from "./types.ts";

export type HeaderList = [name: string, value: string][];

export function headerList(h: Record<string, string> | HeaderList): HeaderList {
  const pairs: HeaderList = Array.isArray(h) ? h : Object.entries(h);
  return pairs.map(([k, v]) => [k.toLowerCase(), v]);
}

export function getAll(h: HeaderList, name: string): string[] {
  const n = name.toLowerCase();
  return h.filter(([k]) => k === n).map(([, v]) => v);
}

/**
 * The value a HeaderMatcher sees: Envoy's HeaderUtility::getAllOfHeaderAsString joins repeated
 * headers with "," before matching, so a matcher sees all values at once.
 */
export function joined(h: HeaderList, name: string): string | undefined {
  const all = getAll(h, name);
  return all.length === 0 ? undefined : all.join(",");
}

export function remove(h: HeaderList, name: string): HeaderList {
  const n = name.toLowerCase();
  return h.filter(([k]) => k !== n);
}

export function set(h: HeaderList, name: string, value: string): HeaderList {
  return [...remove(h, name), [name.toLowerCase(), value]];
}

/** One level of header mutation (route, vhost, ...), as the router applies it. */
export interface HeaderMutation {
  level: string;
  remove: string[];
  add: HeaderValueOption[];
}

/**
 * HeaderParser::evaluateHeaders: headers_to_remove first ("remove-before-add"), then each
 * headers_to_add in order with its append_action (base.proto HeaderValueOption):
 * APPEND_IF_EXISTS_OR_ADD (the default, and `append: true`) adds another value;
 * OVERWRITE_IF_EXISTS_OR_ADD (`append: false`) replaces all values; ADD_IF_ABSENT only adds when
 * absent; OVERWRITE_IF_EXISTS only replaces an existing header. Empty values are skipped unless
 * keep_empty_value.
 */
export function applyMutation(h: HeaderList, m: HeaderMutation): HeaderList {
  let out = h;
  for (const r of m.remove) out = remove(out, r);
  for (const opt of m.add) {
    const key = opt.header?.key;
    if (!key) continue;
    // Values are substitution-format strings: SubstitutionFormatParser turns the escape "%%" into "%"
    // (edgegate escapes every literal %; it emits no %COMMAND%).
    const value = (opt.header?.value ?? opt.header?.rawValue ?? "").replaceAll("%%", "%");
    if (value === "" && opt.keepEmptyValue !== true) continue;
    const action = opt.appendAction ?? (opt.append === false ? "OVERWRITE_IF_EXISTS_OR_ADD" : "APPEND_IF_EXISTS_OR_ADD");
    const exists = getAll(out, key).length > 0;
    switch (action) {
      case "APPEND_IF_EXISTS_OR_ADD":
        out = [...out, [key.toLowerCase(), value]];
        break;
      case "OVERWRITE_IF_EXISTS_OR_ADD":
        out = set(out, key, value);
        break;
      case "ADD_IF_ABSENT":
        if (!exists) out = [...out, [key.toLowerCase(), value]];
        break;
      case "OVERWRITE_IF_EXISTS":
        if (exists) out = set(out, key, value);
        break;
    }
  }
  return out;
}

export function applyMutations(h: HeaderList, ms: HeaderMutation[]): HeaderList {
  return ms.reduce(applyMutation, h);
}
