// edgegate render PATH... [--format json|yaml] [--status]: the xDS resources the appliance would
// serve, in Envoy's canonical proto3 JSON. Deterministic: same input, same bytes.
import { stringify } from "yaml";
import { edenGC } from "bun:jsc";
import { commandConfigOrReport, prepare, printProblems } from "./inputs.ts";
import { parse, UsageError } from "./args.ts";
import { xdsToJson } from "../xds/json.ts";
import { redactPrivateKey, writeIrJsonText } from "../xds/render/pretty.ts";
import { emitXds } from "../xds/emit/index.ts";
import { emitOptions } from "../pipeline/compile.ts";

/** The largest piece of text handed to the output sink at once (see write below). */
const writePiece = 64 * 1024;
/** Text written between two young-generation collections (see write below). */
const collectEvery = 8_000_000;
/** Young-generation collections stop after this much text (see write below). */
const collectUntil = 32_000_000;
/** Inputs of at least this many objects get those collections. */
const largeLoad = 1000;

const help = `usage: edgegate render [--config FILE] [--controller-name NAME] [--format json|yaml] [--status] [--show-secrets] [PATH...]

Prints {"listeners":[],"routes":[],"clusters":[],"endpoints":[],"secrets":[]} as Envoy would receive
them over xDS, and with --status the computed status of every object. With --config and no PATH,
renders the inputs the configuration names (source.paths). Private keys print as "[redacted]" (as in
Envoy's config_dump) unless --show-secrets.
Problems go to stderr, one per line; what is valid is still rendered (an invalid object is left
out, as the appliance leaves it out) and the exit status is 1. Exit 0: no problem; 2: usage.
What a running appliance serves: edgegate dump.
`;

export async function renderCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    "render",
    args,
    {
      config: { type: "string" },
      "controller-name": { type: "string" },
      format: { type: "string", default: "json" },
      status: { type: "boolean" },
      "show-secrets": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    help,
  );
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (values.format !== "json" && values.format !== "yaml")
    throw new UsageError(`edgegate render: --format must be json or yaml (got ${JSON.stringify(values.format)})`);
  if (positionals.length === 0 && !values.config) throw new UsageError(`edgegate render: give input PATHs or --config FILE\n\n${help}`);
  const config = commandConfigOrReport(values.config, values["controller-name"]);
  if (!config) return 1;
  // Long work shows progress, on a terminal only (scripts and pipes get clean stderr).
  const started = performance.now();
  const progress = (what: string): void => {
    if (process.stderr.isTTY) process.stderr.write(`edgegate render: ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  };
  const prep = await prepare(positionals.length > 0 ? positionals : config.source.paths, config);
  progress(`read and translated ${prep.load.objects.length} objects from ${prep.load.files} files`);
  // Like the appliance: invalid objects are left out, reference problems render (they answer
  // 500). Either way the user sees what would be served, and the exit status says "problems".
  printProblems(prep.problems, prep.warnings, true);
  const extra = values.status ? { status: prep.result.status } : {};
  const emit = emitOptions(config);
  if (values.format === "json") {
    // Written in ~1 MB pieces as it is produced: the whole text (37 MB at 10,000 routes) never
    // has to exist at once.
    const out = Bun.stdout.writer({ highWaterMark: 1 << 20 });
    // A reader that went away (`| head`) ends the output quietly: stop writing, exit as usual.
    let closed = false;
    const closedPipe = (e: unknown): void => {
      if ((e as { code?: unknown }).code !== "EPIPE") throw e;
      closed = true;
    };
    const put = (piece: string): void => {
      try {
        const r = out.write(piece);
        if (r instanceof Promise) r.catch(closedPipe);
      } catch (e) {
        closedPipe(e);
      }
    };
    // Writing makes garbage fast (each virtual host becomes messages, then JSON, then text), and
    // JavaScriptCore's own schedule, sized from the heap the last full collection left (prepare()'s
    // at 10,000 routes), lets about 100 MB of it pile up before collecting. A young-generation collection
    // every 8 MB of text keeps the peak at eea69ff's; the one before writing ages the IR, so the
    // later ones do not trace it again. Only for the first 32 MB: on a larger heap each collection
    // costs more (9 ms instead of 2-3 at 50,000 routes) and promotes more, and JavaScriptCore's own
    // schedule keeps up (at 50,000 routes: 1.17x eea69ff's wall collecting all the way, 1.07-1.09x
    // with this limit or with no collections; README).
    const large = prep.load.objects.length >= largeLoad;
    if (large) edenGC();
    let written = 0;
    let nextCollect = collectEvery;
    const write = (text: string): void => {
      written += text.length;
      if (large && written >= nextCollect && written <= collectUntil) {
        nextCollect = written + collectEvery;
        edenGC();
      }
      if (closed) return;
      // Handed to the sink in pieces of at most 64 KiB: a batch of virtual hosts is megabytes of
      // text, and the sink keeps a large chunk the pipe cannot take at once whole in its buffer
      // until the event loop runs again (after the last byte is produced). Measured against whole
      // chunks: 0.92x wall, 0.98x CPU and ~40 MB less peak RSS at 10,000 routes (README).
      if (text.length <= writePiece) return put(text);
      for (let i = 0; i < text.length && !closed; i += writePiece) put(text.slice(i, i + writePiece));
    };
    writeIrJsonText(write, prep.result.ir, emit, extra, !values["show-secrets"]);
    try {
      await out.end();
    } catch (e) {
      closedPipe(e);
    }
  } else {
    const json = xdsToJson(emitXds(prep.result.ir, emit));
    if (!values["show-secrets"]) json.secrets = json.secrets.map(redactPrivateKey);
    process.stdout.write(stringify({ ...json, ...extra }, { lineWidth: 0 }));
  }
  progress("done");
  return prep.problems.length > 0 ? 1 : 0;
}
