// The input sets the rules test runs: every Gateway API conformance manifest file (each with the
// suite's base manifests, certificates and EndpointSlices, as the conformance harness builds them),
// every mesh (GAMMA) manifest file, every example under config/, every golden test's input, and a
// generated corpus (generate.ts).
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseFile } from "../../src/sources/files/parse.ts";
import type { StoredObject } from "../../src/store/types.ts";
import { SUITE_DIR, loadBackends } from "../conformance/harness/suite.ts";
import { allPods } from "../conformance/harness/backends.ts";
import { certificates } from "../conformance/harness/certs.ts";
import { testInputs } from "../conformance/harness/inputs.ts";
import { MESH_DIR, meshCluster } from "../conformance/mesh/cluster.ts";

export interface InputSet {
  name: string;
  objects: StoredObject[];
  /** Problems validation reported: objects with problems are not in `objects`. */
  problems: number;
}

// The suite's base manifests, certificates and GatewayClass are the same text in every set: parse
// each distinct file once (compile does not modify objects).
const parsed = new Map<string, ReturnType<typeof parseFile>>();
function parseOnce(file: string, text: string): ReturnType<typeof parseFile> {
  const key = `${file}\0${text}`;
  let r = parsed.get(key);
  if (!r) parsed.set(key, (r = parseFile(file, text)));
  return r;
}

export function fromTexts(name: string, texts: ReadonlyArray<{ file: string; text: string }>): InputSet {
  const objects: StoredObject[] = [];
  let problems = 0;
  let t = Date.UTC(2026, 0, 1);
  for (const { file, text } of texts) {
    const r = parseOnce(file, text);
    problems += r.problems.length;
    for (const o of r.objects) {
      // As an API server would: generation and creation time (route precedence uses the latter).
      const m = o.object.metadata as { generation?: number; creationTimestamp?: string };
      m.generation ??= 1;
      m.creationTimestamp ??= new Date((t += 1000)).toISOString().replace(/\.\d+Z$/, "Z");
      objects.push(o);
    }
  }
  return { name, objects, problems };
}

export function conformanceSets(controller: string): InputSet[] {
  const backends = loadBackends();
  const pods = allPods(backends);
  const certs = certificates();
  const files = readdirSync(join(SUITE_DIR, "tests"))
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  return files.map((f) => fromTexts(`conformance/tests/${f}`, testInputs([`conformance/tests/${f}`], controller, backends, pods, certs)));
}

/** The GAMMA (mesh) manifest files, each with the mesh base and its EndpointSlices. */
export function meshSets(): InputSet[] {
  const cluster = meshCluster();
  const base = [
    { file: "mesh/manifests.yaml", text: cluster.baseText },
    { file: "(harness) endpointslices.yaml", text: cluster.endpointSlicesText },
  ];
  const dir = join(MESH_DIR, "tests");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => fromTexts(`conformance/mesh/tests/${f}`, [...base, { file: f, text: readFileSync(join(dir, f), "utf8") }]));
}

/** The golden tests' inputs (tests/golden/testdata/NAME/input.yaml): one small set per feature. */
export function goldenSets(): InputSet[] {
  const dir = resolve(import.meta.dir, "../golden/testdata");
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, "input.yaml")))
    .sort()
    .map((d) => fromTexts(`tests/golden/testdata/${d}`, [{ file: "input.yaml", text: readFileSync(join(dir, d, "input.yaml"), "utf8") }]));
}

const CONFIG = resolve(import.meta.dir, "../../config");

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(e) ? [p] : [];
  });
}

/** Each folder under config/examples is one set; the appliance's own files are not inputs. */
export async function exampleSets(): Promise<InputSet[]> {
  const dirs = readdirSync(join(CONFIG, "examples")).map((d) => join(CONFIG, "examples", d));
  return Promise.all(
    dirs.map(async (d) =>
      fromTexts(`config/examples/${d.split("/").pop()}`, await Promise.all(yamlFiles(d).map(async (f) => ({ file: f, text: await Bun.file(f).text() })))),
    ),
  );
}
