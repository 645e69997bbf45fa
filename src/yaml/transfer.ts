// Values cross from a worker as JSON text (far cheaper than a structured clone of a large object
// graph), but JSON has no Infinity or NaN: YAML's .inf and .nan would arrive as null and be reported
// differently than on the main thread. They travel tagged instead.
const tag = "__edgegateNonFinite";

export function nonFiniteReplacer(_key: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? { [tag]: String(v) } : v;
}

/** JSON.parse, restoring tagged numbers; the reviver runs only when there are any. */
export function parseTransferred(text: string): unknown {
  if (!text.includes(tag)) return JSON.parse(text);
  return JSON.parse(text, (_key, v: unknown) => (typeof v === "object" && v !== null && tag in v ? Number((v as Record<string, string>)[tag]) : v));
}
