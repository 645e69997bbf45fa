// A decoded YAML or JSON map (JSON is YAML, so the Kubernetes API's bodies are such values too): the
// one test every reader of untyped input starts from, before a validator gives it a type.
export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
