// An independent checker of protoc-gen-validate rules: reads the `(validate.rules)`,
// `(validate.required)` and `(validate.disabled)` options from the message descriptors at run time
// and applies them the way PGV's C++ validators (the ones Envoy runs when it loads config) do.
// Every message is walked, every Any is unpacked through the registry and walked too. A rule this
// checker does not implement is reported as a violation of its own, so nothing passes unchecked.
import { getOption, hasOption, isMessage, type DescField, type DescMessage, type Registry } from "@bufbuild/protobuf";
import { reflect, type ReflectList, type ReflectMap, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { anyUnpack, isWrapperDesc, AnySchema, DurationSchema, type Any, type Duration } from "@bufbuild/protobuf/wkt";
import { isIP } from "node:net";
import { disabled, required, rules as rulesExt, KnownRegex, type FieldRules } from "../../src/gen/validate/validate_pb.ts";
import type { Re2 } from "../../src/re2/re2.ts";

export interface Violation {
  /** e.g. listeners[0].filter_chains[0].filters[0].typed_config<...HttpConnectionManager>.stat_prefix */
  path: string;
  message: string;
}

/** Called for every message reached (after its own rules), for checks beyond PGV. */
export type MessageHook = (m: ReflectMessage, path: string, report: (path: string, message: string) => void) => void;

type Num = number | bigint;
const big = (v: Num): bigint => (typeof v === "bigint" ? v : BigInt(Math.trunc(v)));
function cmp(a: Num, b: Num): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  const x = big(a);
  const y = big(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The proto2 fields of a rules message that are set, by proto name. */
function setRules(m: object & { $typeName: string }, schemaOf: (t: string) => DescMessage | undefined): Map<string, unknown> {
  const desc = schemaOf(m.$typeName);
  const out = new Map<string, unknown>();
  if (!desc) return out;
  const r = reflect(desc, m as never);
  for (const f of desc.fields) {
    if (!r.isSet(f)) continue;
    const raw = m as unknown as Record<string, unknown>;
    // A oneof member lives under the oneof's name as { case, value }.
    out.set(f.name, f.oneof ? (raw[f.oneof.localName] as { value: unknown }).value : raw[f.localName]);
  }
  return out;
}

const durNanos = (d: { seconds: bigint; nanos: number }): bigint => d.seconds * 1_000_000_000n + BigInt(d.nanos);

// PGV's well-known regexes (validate.proto KnownRegex), strict and not.
// Spelled as in PGV: `+-.` is a range there too (+ , - .).
const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;

function isHostname(s: string): boolean {
  if (s.length > 253) return false;
  const h = (s.endsWith(".") ? s.slice(0, -1) : s).toLowerCase();
  return h.split(".").every((l) => l.length >= 1 && l.length <= 63 && /^[a-z0-9-]+$/.test(l) && !l.startsWith("-") && !l.endsWith("-"));
}

export class PgvChecker {
  readonly violations: Violation[] = [];
  /** Rule kinds applied at least once: lets the test show the checker did real work. */
  readonly applied = new Map<string, number>();
  messages = 0;
  anys = 0;

  constructor(
    private readonly registry: Registry,
    private readonly re2: Re2,
    private readonly hooks: ReadonlyMap<string, MessageHook> = new Map(),
  ) {}

  check(schema: DescMessage, message: unknown, path: string): void {
    if (!isMessage(message, schema)) {
      this.report(path, `is not a ${schema.typeName}`);
      return;
    }
    this.walk(reflect(schema, message), path);
  }

  private report = (path: string, message: string): void => {
    this.violations.push({ path, message });
  };

  private count(rule: string): void {
    this.applied.set(rule, (this.applied.get(rule) ?? 0) + 1);
  }

  private schemaOf = (typeName: string): DescMessage | undefined => this.registry.getMessage(typeName);

  private walk(m: ReflectMessage, path: string): void {
    this.messages++;
    if (hasOption(m.desc, disabled) && getOption(m.desc, disabled)) return;
    for (const o of m.oneofs) {
      if (hasOption(o, required) && getOption(o, required)) {
        this.count("oneof.required");
        if (!m.oneofCase(o)) this.report(`${path}.${o.name}`, "exactly one field of this oneof is required (validate.required)");
      }
    }
    for (const f of m.fields) {
      if (f.oneof && m.oneofCase(f.oneof) !== f) continue;
      const fr = hasOption(f, rulesExt) ? getOption(f, rulesExt) : undefined;
      this.field(m, f, fr, `${path}.${f.name}`);
    }
    this.hooks.get(m.desc.typeName)?.(m, path, this.report);
  }

  private field(m: ReflectMessage, f: DescField, fr: FieldRules | undefined, p: string): void {
    switch (f.fieldKind) {
      case "scalar":
      case "enum": {
        if (f.proto.proto3Optional && !m.isSet(f)) return;
        if (fr) this.value(fr, m.get(f), f, p);
        return;
      }
      case "message": {
        if (!m.isSet(f)) {
          if (fr && this.requiresPresence(fr)) this.report(p, "is required");
          return;
        }
        if (isWrapperDesc(f.message)) {
          // Rules on a wrapper apply to the wrapped value.
          const raw = (m.message as unknown as Record<string, unknown>)[f.localName];
          const inner = typeof raw === "object" && raw !== null && "value" in raw ? (raw as { value: unknown }).value : raw;
          if (fr) this.value(fr, inner, f, p);
          return;
        }
        const child = m.get(f) as ReflectMessage;
        if (fr) this.messageRules(fr, child, p);
        if (fr?.message?.skip) return;
        this.visit(child, p);
        return;
      }
      case "list": {
        const list = m.get(f) as ReflectList;
        const rr = fr?.type.case === "repeated" ? fr.type.value : undefined;
        if (fr && fr.type.case !== undefined && fr.type.case !== "repeated") this.report(p, `checker: ${fr.type.case} rules on a repeated field`);
        if (rr) {
          const r = setRules(rr, this.schemaOf);
          for (const k of r.keys())
            if (!["min_items", "max_items", "unique", "items"].includes(k)) this.report(p, `checker: repeated rule ${k} not implemented`);
          this.count("repeated");
          if (r.has("min_items") && list.size < Number(r.get("min_items"))) this.report(p, `must have at least ${r.get("min_items")} items (has ${list.size})`);
          if (r.has("max_items") && list.size > Number(r.get("max_items"))) this.report(p, `must have at most ${r.get("max_items")} items (has ${list.size})`);
          if (r.get("unique") === true) {
            const seen = new Set<unknown>();
            for (const v of list) {
              const k = typeof v === "object" ? JSON.stringify(v) : v;
              if (seen.has(k)) this.report(p, `items must be unique (${String(k)} repeats)`);
              seen.add(k);
            }
          }
        }
        let i = 0;
        for (const item of list) {
          const ip = `${p}[${i++}]`;
          if (f.listKind === "message") {
            const child = item as ReflectMessage;
            if (rr?.items) this.messageRules(rr.items, child, ip);
            if (!rr?.items?.message?.skip) this.visit(child, ip);
          } else if (rr?.items) this.value(rr.items, item, f, ip);
        }
        return;
      }
      case "map": {
        const map = m.get(f) as ReflectMap;
        const mr = fr?.type.case === "map" ? fr.type.value : undefined;
        if (mr) {
          const r = setRules(mr, this.schemaOf);
          for (const k of r.keys())
            if (!["min_pairs", "max_pairs", "keys", "values", "no_sparse"].includes(k)) this.report(p, `checker: map rule ${k} not implemented`);
          this.count("map");
          if (r.has("min_pairs") && map.size < Number(r.get("min_pairs"))) this.report(p, `must have at least ${r.get("min_pairs")} entries`);
          if (r.has("max_pairs") && map.size > Number(r.get("max_pairs"))) this.report(p, `must have at most ${r.get("max_pairs")} entries`);
        }
        for (const [k, v] of map) {
          const ep = `${p}[${JSON.stringify(String(k))}]`;
          if (mr?.keys) this.value(mr.keys, k, undefined, `${ep}(key)`);
          if (f.mapKind === "message") {
            const child = v as ReflectMessage;
            if (mr?.values) this.messageRules(mr.values, child, ep);
            if (!mr?.values?.message?.skip) this.visit(child, ep);
          } else if (mr?.values) this.value(mr.values, v, undefined, ep);
        }
        return;
      }
    }
  }

  private requiresPresence(fr: FieldRules): boolean {
    if (fr.message?.required) return true;
    const t = fr.type;
    return (t.case === "any" || t.case === "duration" || t.case === "timestamp") && t.value.required === true;
  }

  /** Rules on a present message value: Any type URLs, Duration ranges. */
  private messageRules(fr: FieldRules, child: ReflectMessage, p: string): void {
    const t = fr.type;
    if (t.case === undefined || t.case === "repeated" || t.case === "map") return;
    if (t.case === "any") {
      this.count("any");
      const url = (child.message as Any).typeUrl;
      const r = setRules(t.value, this.schemaOf);
      const ins = (r.get("in") as string[] | undefined) ?? [];
      const notIns = (r.get("not_in") as string[] | undefined) ?? [];
      if (ins.length > 0 && !ins.includes(url)) this.report(p, `type URL ${url} is not one of ${ins.join(", ")}`);
      if (notIns.includes(url)) this.report(p, `type URL ${url} is not allowed`);
      return;
    }
    if (t.case === "duration") {
      this.count("duration");
      const v = durNanos(child.message as Duration);
      const r = setRules(t.value, this.schemaOf);
      for (const k of r.keys())
        if (!["required", "const", "lt", "lte", "gt", "gte", "in", "not_in"].includes(k)) this.report(p, `checker: duration rule ${k} not implemented`);
      const d = (k: string): bigint | undefined => (r.has(k) ? durNanos(r.get(k) as Duration) : undefined);
      this.range(v, d("const"), d("lt"), d("lte"), d("gt"), d("gte"), p, "ns");
      const ins = ((r.get("in") as Duration[] | undefined) ?? []).map(durNanos);
      if (ins.length > 0 && !ins.includes(v)) this.report(p, "duration not in the allowed set");
      if (((r.get("not_in") as Duration[] | undefined) ?? []).map(durNanos).includes(v)) this.report(p, "duration is not allowed");
      return;
    }
    if (t.case === "timestamp") {
      const r = setRules(t.value, this.schemaOf);
      for (const k of r.keys()) if (k !== "required") this.report(p, `checker: timestamp rule ${k} not implemented`);
      return;
    }
    this.report(p, `checker: ${t.case} rules on a message field of type ${child.desc.typeName}`);
  }

  private visit(child: ReflectMessage, p: string): void {
    const tn = child.desc.typeName;
    if (tn === AnySchema.typeName) {
      this.anys++;
      const any = child.message as Any;
      const inner = anyUnpack(any, this.registry);
      if (!inner) {
        this.report(p, `Any of type ${any.typeUrl} cannot be unpacked with the generated descriptors`);
        return;
      }
      const desc = this.schemaOf(inner.$typeName)!;
      this.walk(reflect(desc, inner), `${p}<${inner.$typeName}>`);
      return;
    }
    // Struct/Value/ListValue carry JSON, no rules; Duration/Timestamp have no nested rules.
    if (tn.startsWith("google.protobuf.") && tn !== DurationSchema.typeName) return;
    this.walk(child, p);
  }

  private range(
    v: Num,
    cnst: Num | undefined,
    lt: Num | undefined,
    lte: Num | undefined,
    gt: Num | undefined,
    gte: Num | undefined,
    p: string,
    unit = "",
  ): void {
    const s = (x: Num): string => `${x}${unit}`;
    if (cnst !== undefined && cmp(v, cnst) !== 0) this.report(p, `must equal ${s(cnst)} (got ${s(v)})`);
    const hi = lt ?? lte;
    const lo = gt ?? gte;
    const belowHi = hi === undefined ? true : lt !== undefined ? cmp(v, hi) < 0 : cmp(v, hi) <= 0;
    const aboveLo = lo === undefined ? true : gt !== undefined ? cmp(v, lo) > 0 : cmp(v, lo) >= 0;
    if (hi !== undefined && lo !== undefined && cmp(hi, lo) < 0) {
      // PGV: an upper bound below the lower bound means "outside the range".
      if (!belowHi && !aboveLo) this.report(p, `must be outside [${s(hi)}, ${s(lo)}] (got ${s(v)})`);
      return;
    }
    if (!belowHi) this.report(p, `must be ${lt !== undefined ? "<" : "<="} ${s(hi!)} (got ${s(v)})`);
    if (!aboveLo) this.report(p, `must be ${gt !== undefined ? ">" : ">="} ${s(lo!)} (got ${s(v)})`);
  }

  /** Scalar, enum and wrapped values. */
  private value(fr: FieldRules, v: unknown, f: DescField | undefined, p: string): void {
    const t = fr.type;
    if (t.case === undefined) return;
    const r = setRules(t.value, this.schemaOf);
    switch (t.case) {
      case "string":
        return this.stringRules(r, typeof v === "string" ? v : "", p);
      case "bytes": {
        this.count("bytes");
        const b = v instanceof Uint8Array ? v : new Uint8Array();
        for (const k of r.keys()) if (!["min_len", "max_len", "len"].includes(k)) this.report(p, `checker: bytes rule ${k} not implemented`);
        if (r.has("min_len") && b.length < Number(r.get("min_len"))) this.report(p, `must be at least ${r.get("min_len")} bytes`);
        if (r.has("max_len") && b.length > Number(r.get("max_len"))) this.report(p, `must be at most ${r.get("max_len")} bytes`);
        if (r.has("len") && b.length !== Number(r.get("len"))) this.report(p, `must be exactly ${r.get("len")} bytes`);
        return;
      }
      case "bool":
        this.count("bool");
        if (r.has("const") && v !== r.get("const")) this.report(p, `must be ${r.get("const")}`);
        return;
      case "enum": {
        this.count("enum");
        const n = typeof v === "number" ? v : 0;
        if (r.get("defined_only") === true && f?.enum && !f.enum.values.some((e) => e.number === n))
          this.report(p, `${n} is not a defined value of ${f.enum.typeName}`);
        if (r.has("const") && n !== r.get("const")) this.report(p, `must be ${r.get("const")}`);
        const ins = (r.get("in") as number[] | undefined) ?? [];
        if (ins.length > 0 && !ins.includes(n)) this.report(p, `must be one of ${ins.join(", ")}`);
        if (((r.get("not_in") as number[] | undefined) ?? []).includes(n)) this.report(p, `${n} is not allowed`);
        return;
      }
      case "repeated":
      case "map":
      case "any":
      case "duration":
      case "timestamp":
        this.report(p, `checker: ${t.case} rules on a scalar value`);
        return;
      default: {
        // Every numeric kind: const, lt, lte, gt, gte, in, not_in.
        this.count("number");
        for (const k of r.keys())
          if (!["const", "lt", "lte", "gt", "gte", "in", "not_in"].includes(k)) this.report(p, `checker: ${t.case} rule ${k} not implemented`);
        const n = typeof v === "number" || typeof v === "bigint" ? v : 0;
        const g = (k: string): Num | undefined => r.get(k) as Num | undefined;
        this.range(n, g("const"), g("lt"), g("lte"), g("gt"), g("gte"), p);
        const ins = (r.get("in") as Num[] | undefined) ?? [];
        if (ins.length > 0 && !ins.some((x) => cmp(x, n) === 0)) this.report(p, `must be one of ${ins.join(", ")}`);
        if (((r.get("not_in") as Num[] | undefined) ?? []).some((x) => cmp(x, n) === 0)) this.report(p, `${n} is not allowed`);
      }
    }
  }

  private stringRules(r: Map<string, unknown>, s: string, p: string): void {
    this.count("string");
    if (r.get("ignore_empty") === true && s === "") return;
    const runes = [...s].length;
    const bytes = Buffer.byteLength(s, "utf8");
    const n = (k: string): number => Number(r.get(k));
    const show = JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
    for (const k of r.keys()) {
      switch (k) {
        case "const":
          if (s !== r.get(k)) this.report(p, `must equal ${JSON.stringify(r.get(k))}`);
          break;
        case "len":
          if (runes !== n(k)) this.report(p, `must be ${n(k)} characters (got ${show})`);
          break;
        case "min_len":
          if (runes < n(k)) this.report(p, `must be at least ${n(k)} characters (got ${show})`);
          break;
        case "max_len":
          if (runes > n(k)) this.report(p, `must be at most ${n(k)} characters`);
          break;
        case "len_bytes":
          if (bytes !== n(k)) this.report(p, `must be ${n(k)} bytes`);
          break;
        case "min_bytes":
          if (bytes < n(k)) this.report(p, `must be at least ${n(k)} bytes (got ${show})`);
          break;
        case "max_bytes":
          if (bytes > n(k)) this.report(p, `must be at most ${n(k)} bytes`);
          break;
        case "pattern": {
          this.count("string.pattern");
          const m = this.re2.partialMatch(String(r.get(k)), s);
          if (m === undefined) this.report(p, `checker: the proto's pattern ${r.get(k)} does not compile in RE2`);
          else if (!m) this.report(p, `${show} does not match ${r.get(k)}`);
          break;
        }
        case "prefix":
          if (!s.startsWith(String(r.get(k)))) this.report(p, `must start with ${JSON.stringify(r.get(k))}`);
          break;
        case "suffix":
          if (!s.endsWith(String(r.get(k)))) this.report(p, `must end with ${JSON.stringify(r.get(k))}`);
          break;
        case "contains":
          if (!s.includes(String(r.get(k)))) this.report(p, `must contain ${JSON.stringify(r.get(k))}`);
          break;
        case "not_contains":
          if (s.includes(String(r.get(k)))) this.report(p, `must not contain ${JSON.stringify(r.get(k))}`);
          break;
        case "in": {
          const ins = r.get(k) as string[];
          if (ins.length > 0 && !ins.includes(s)) this.report(p, `must be one of ${ins.join(", ")} (got ${show})`);
          break;
        }
        case "not_in":
          if ((r.get(k) as string[]).includes(s)) this.report(p, `${show} is not allowed`);
          break;
        case "hostname":
          if (r.get(k) === true && !isHostname(s)) this.report(p, `${show} is not a hostname`);
          break;
        case "ip":
          if (r.get(k) === true && isIP(s) === 0) this.report(p, `${show} is not an IP address`);
          break;
        case "ipv4":
          if (r.get(k) === true && isIP(s) !== 4) this.report(p, `${show} is not an IPv4 address`);
          break;
        case "ipv6":
          if (r.get(k) === true && isIP(s) !== 6) this.report(p, `${show} is not an IPv6 address`);
          break;
        case "address":
          if (r.get(k) === true && isIP(s) === 0 && !isHostname(s)) this.report(p, `${show} is not an IP address or hostname`);
          break;
        case "uri":
          if (r.get(k) === true && !URL.canParse(s)) this.report(p, `${show} is not an absolute URI`);
          break;
        case "well_known_regex": {
          this.count("string.well_known_regex");
          const strict = r.has("strict") ? r.get("strict") === true : true;
          const kind = r.get(k) as KnownRegex;
          const re =
            kind === KnownRegex.HTTP_HEADER_NAME
              ? strict
                ? HEADER_NAME_STRICT
                : HEADER_LOOSE
              : kind === KnownRegex.HTTP_HEADER_VALUE
                ? strict
                  ? HEADER_VALUE_STRICT
                  : HEADER_LOOSE
                : undefined;
          if (!re) this.report(p, `checker: well_known_regex ${kind} not implemented`);
          else if (!re.test(s))
            this.report(
              p,
              `${show} is not a valid HTTP header ${kind === KnownRegex.HTTP_HEADER_NAME ? "name" : "value"} (PGV well_known_regex${strict ? ", strict" : ""})`,
            );
          break;
        }
        case "strict":
        case "ignore_empty":
          break;
        default:
          this.report(p, `checker: string rule ${k} not implemented`);
      }
    }
  }
}
