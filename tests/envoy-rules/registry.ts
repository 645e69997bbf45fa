// Every message edgegate can emit, found from the generated descriptors themselves: all of src/gen
// (scripts/gen-proto.ts generates it from the Envoy protos in @grpc/grpc-js-xds's deps, options
// included). The checker unpacks every Any through this registry, so nothing nested is skipped.
import { createRegistry, type DescFile, type Registry } from "@bufbuild/protobuf";
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const GEN = resolve(import.meta.dir, "../../src/gen");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith("_pb.ts") ? [p] : [];
  });
}

const isFileDesc = (v: unknown): v is DescFile => typeof v === "object" && v !== null && (v as { kind?: unknown }).kind === "file";

/** A registry of every generated file's descriptors (messages, enums, extensions). */
export async function generatedRegistry(): Promise<{ registry: Registry; files: number }> {
  const descs: DescFile[] = [];
  for (const f of files(GEN)) {
    const mod = (await import(f)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(mod)) if (k.startsWith("file_") && isFileDesc(v)) descs.push(v);
  }
  return { registry: createRegistry(...descs), files: descs.length };
}
