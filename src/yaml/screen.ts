// A one-pass, linear screen of a YAML document's text, for the documents counting (colons.ts) did
// not clear: those with anchors, tags, flow mappings or explicit keys, colons in values or comments,
// a duplicate key, or deep nesting.
//
// Bun's native parser is fast (edgegate's bulk path) but keeps the last of two equal keys silently,
// expands aliases without limit and runs out of stack on deep nesting (a RangeError). The `yaml`
// package does all three right but is about 20x slower. This screen decides, in one pass over the
// characters and without regular expressions, whether a document needs the careful parser: it does
// when it might hold a duplicate key (block mappings are tracked exactly; flow mappings, anchors,
// aliases, tags, complex keys and escaped quoted keys are not, so they always go the careful way).
// Nesting deeper than the limit is reported here with its position (counted documents are measured
// after Bun's parse).
import { noFTL } from "bun:jsc";

/** Deepest nesting of mappings and lists edgegate accepts (Kubernetes objects need about 10). */
export const maxNesting = 64;

export type Screen = { verdict: "fast" } | { verdict: "careful" } | { verdict: "too-deep"; line: number; column: number };

// The two verdicts without a position are shared, not built per document (a file may hold 100,000).
const fast: Screen = { verdict: "fast" };
const careful: Screen = { verdict: "careful" };

const setFrom = 16;

/**
 * The open block levels of the document being screened, innermost last: for each, its indent and,
 * for a mapping, the keys seen in it as 32-bit hashes of their text (a list item's level has none).
 * A hash collision only sends the document the careful way, which decides exactly. Flat arrays
 * reused from one document to the next, not an object and an array per level: a manifest opens a
 * level every few lines, and their garbage cost as much as the screen itself. Keys are added only
 * to the innermost level, so each mapping's keys are the tail of one shared stack from its `from`;
 * past `setFrom` keys a Set takes over (a ConfigMap may hold thousands).
 */
class Levels {
  depth = 0;
  private readonly indents: number[] = [];
  /** Where the level's keys start in `keys`; -1 for a list item's level. */
  private readonly from: number[] = [];
  private readonly sets: Array<Set<number> | undefined> = [];
  private readonly keys: number[] = [];
  private used = 0;

  reset(): void {
    while (this.depth > 0) this.pop();
    this.used = 0;
  }

  indentOfTop(): number {
    return this.indents[this.depth - 1]!;
  }

  topIsList(): boolean {
    return this.from[this.depth - 1] === -1;
  }

  pop(): void {
    this.depth--;
    const from = this.from[this.depth]!;
    if (from >= 0) this.used = from;
    this.sets[this.depth] = undefined;
  }

  /** Closes the levels indented deeper than `indent`. */
  popDeeper(indent: number): void {
    while (this.depth > 0 && this.indents[this.depth - 1]! > indent) this.pop();
  }

  pushList(indent: number): void {
    this.indents[this.depth] = indent;
    this.from[this.depth] = -1;
    this.depth++;
  }

  pushMapping(indent: number, key: number): void {
    this.indents[this.depth] = indent;
    this.from[this.depth] = this.used;
    this.depth++;
    this.keys[this.used++] = key;
  }

  /** Records `h` in the innermost level (a mapping); true when it was there already (a possible duplicate). */
  seen(h: number): boolean {
    const top = this.depth - 1;
    const set = this.sets[top];
    if (set) {
      if (set.has(h)) return true;
      set.add(h);
      return false;
    }
    const from = this.from[top]!;
    for (let k = from; k < this.used; k++) if (this.keys[k] === h) return true;
    if (this.used - from < setFrom) this.keys[this.used++] = h;
    else this.sets[top] = new Set([...this.keys.slice(from, this.used), h]);
    return false;
  }
}

const levels = new Levels();

const isSpace = (c: number): boolean => c === 32 || c === 9;

export function screenDocument(text: string): Screen {
  levels.reset();
  let needsCare = false;
  let flowDepth = 0;
  // A block scalar (`|`, `>`) owns the lines indented deeper than its key's line.
  let blockScalarIndent = -1;
  let line = 0;
  // A byte order mark may open any document of a stream: it is not part of the first key.
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  while (pos < n) {
    line++;
    let eol = text.indexOf("\n", pos);
    if (eol === -1) eol = n;
    let i = pos;
    while (i < eol && text.charCodeAt(i) === 32) i++;
    const indent = i - pos;
    const first = text.charCodeAt(i);
    const blank = i >= eol || first === 35 /* # */ || (first === 13 && i + 1 >= eol);
    if (blockScalarIndent >= 0) {
      if (blank || indent > blockScalarIndent) {
        pos = eol + 1;
        continue;
      }
      blockScalarIndent = -1;
    }
    if (blank) {
      pos = eol + 1;
      continue;
    }
    // The column of the node a block scalar on this line would belong to.
    let owner = indent;
    if (flowDepth === 0) {
      levels.popDeeper(indent);
      // List items: a run of `- ` at one column is one list level; a mapping may follow each.
      let col = indent;
      while (text.charCodeAt(i) === 45 /* - */ && (i + 1 >= eol || isSpace(text.charCodeAt(i + 1)) || text.charCodeAt(i + 1) === 13)) {
        levels.popDeeper(col);
        if (!(levels.depth > 0 && levels.indentOfTop() === col && levels.topIsList())) levels.pushList(col);
        if (levels.depth > maxNesting) return { verdict: "too-deep", line, column: col + 1 };
        i++;
        while (i < eol && isSpace(text.charCodeAt(i))) i++;
        col = i - pos;
      }
      const valueAt = keyAt(text, i, eol);
      if (valueAt === carefulKey) needsCare = true;
      else if (valueAt !== noKey) {
        levels.popDeeper(col);
        // `key:` followed by `- item` lines at the same indent: the list ends where the next key starts.
        if (levels.depth > 0 && levels.indentOfTop() === col && levels.topIsList()) levels.pop();
        if (levels.depth > 0 && levels.indentOfTop() === col && !levels.topIsList()) {
          if (levels.seen(keyHash)) needsCare = true;
        } else {
          levels.pushMapping(col, keyHash);
          if (levels.depth > maxNesting) return { verdict: "too-deep", line, column: col + 1 };
        }
        i = valueAt;
        owner = col;
      }
    }
    // The rest of the line: flow collections, anchors, aliases, tags, block scalar indicators.
    if (flowDepth === 0 && plainValue(text, i, eol)) {
      pos = eol + 1;
      continue;
    }
    scanRest(text, i, eol, flowDepth);
    if (scanned.careful) needsCare = true;
    flowDepth = scanned.flowDepth;
    if (flowDepth > maxNesting) return { verdict: "too-deep", line, column: scanned.column - pos + 1 };
    if (scanned.blockScalar && flowDepth === 0) blockScalarIndent = owner;
    pos = eol + 1;
  }
  return needsCare ? careful : fast;
}

const noKey = -1;
const carefulKey = -2;
/** The hash of the key keyAt found last (a number, not a string: no allocation per key). */
let keyHash = 0;

const fnvBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;

/** FNV-1a over text[from, to). */
function hashOf(text: string, from: number, to: number): number {
  let h = fnvBasis;
  for (let k = from; k < to; k++) h = Math.imul(h ^ text.charCodeAt(k), fnvPrime);
  return h;
}

/**
 * A block mapping key starting at `i` (plain or simply quoted): where its value starts, with its
 * hash in keyHash; noKey when there is none, carefulKey when the careful parser must decide.
 */
function keyAt(text: string, i: number, eol: number): number {
  const c = text.charCodeAt(i);
  if (c === 63 /* ? */ || c === 38 /* & */ || c === 33 /* ! */ || c === 42 /* * */) return carefulKey;
  if (c === 34 /* " */ || c === 39 /* ' */) {
    const close = text.indexOf(String.fromCharCode(c), i + 1);
    if (close === -1 || close > eol) return carefulKey; // a multi-line quoted scalar
    if ((c === 34 && text.lastIndexOf("\\", close) > i) || (c === 39 && text.charCodeAt(close + 1) === 39)) return carefulKey;
    let j = close + 1;
    while (j < eol && isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 58 /* : */) return noKey;
    keyHash = hashOf(text, i + 1, close);
    return j + 1;
  }
  if (c === 123 /* { */) return noKey;
  // A flow sequence followed by a colon is a key (`[a]: 1`), which Bun turns into the string "a":
  // the careful parser compares such keys the same way (chunk.ts sameKey).
  if (c === 91 /* [ */) {
    const colon = text.indexOf(":", i);
    return colon >= 0 && colon < eol ? carefulKey : noKey;
  }
  // A plain key ends at the first ": " (or a ":" ending the line); a "#" after a space starts a comment.
  // Hashed on the way (one pass, not a second one over the key): FNV-1a is a running hash, so the
  // value after the last non-space character is the hash of the key without its trailing spaces.
  let h = fnvBasis;
  let key = fnvBasis;
  for (let j = i; j < eol; j++) {
    const d = text.charCodeAt(j);
    if (d === 58 /* : */) {
      const after = text.charCodeAt(j + 1);
      if (j + 1 >= eol || isSpace(after) || after === 13) {
        keyHash = key;
        return j + 1;
      }
    } else if (d === 35 /* # */ && isSpace(text.charCodeAt(j - 1))) return noKey;
    h = Math.imul(h ^ d, fnvPrime);
    if (!isSpace(d)) key = h;
  }
  return noKey;
}

/** What scanRest found on the rest of a line (module state, not an object per line: a manifest has hundreds of thousands). */
const scanned = { careful: false, flowDepth: 0, blockScalar: false, column: 0 };

/**
 * In block context, a value whose first character is an ordinary one is a plain scalar to the end
 * of the line (or a comment): anchors, aliases, tags, quotes and flow collections only count at the
 * start of a node, so nothing after it can matter. Most values of a manifest are such (and so is an
 * empty rest of the line).
 */
function plainValue(text: string, i: number, eol: number): boolean {
  let k = i;
  while (k < eol && isSpace(text.charCodeAt(k))) k++;
  return k >= eol || plainStart(text.charCodeAt(k));
}

function scanRest(text: string, i: number, eol: number, depth: number): void {
  let careful = false;
  let quote = 0;
  let tokenStart = true;
  let lastToken = -1;
  for (let j = i; j < eol; j++) {
    const c = text.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      continue;
    }
    if (isSpace(c)) {
      tokenStart = true;
      continue;
    }
    if (c === 35 /* # */ && tokenStart) break;
    if (tokenStart) {
      lastToken = j;
      if (c === 34 || c === 39) quote = c;
      else if (c === 123 /* { */ || c === 91 /* [ */) {
        depth++;
        if (c === 123) careful = true;
        if (depth > maxNesting) {
          setScanned(careful, depth, false, j);
          return;
        }
        continue; // the next character starts a token too
      } else if (c === 38 || c === 42 || c === 33 || c === 63) careful = true; // & * ! ?
    }
    if ((c === 93 /* ] */ || c === 125) /* } */ && depth > 0) depth--;
    tokenStart = c === 44 /* , */ || c === 58 /* : */ || c === 91 || c === 123;
  }
  // Multi-line quoted scalars are rare in manifests; their lines are not worth tracking.
  if (quote !== 0) careful = true;
  const t = lastToken >= 0 ? text.charCodeAt(lastToken) : 0;
  const blockScalar = (t === 124 /* | */ || t === 62) /* > */ && isIndicator(text, lastToken, eol);
  setScanned(careful, depth, blockScalar, eol);
}

function setScanned(careful: boolean, flowDepth: number, blockScalar: boolean, column: number): void {
  scanned.careful = careful;
  scanned.flowDepth = flowDepth;
  scanned.blockScalar = blockScalar;
  scanned.column = column;
}

/** A character that can only begin a plain scalar: a letter, a digit, or one of `/ . _ $ ( ) ~ + = ; < ^`. */
function plainStart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) /* a-z */ ||
    (c >= 65 && c <= 90) /* A-Z */ ||
    (c >= 48 && c <= 57) /* 0-9 */ ||
    c === 47 /* / */ ||
    c === 46 /* . */ ||
    c === 95 /* _ */ ||
    c === 36 /* $ */ ||
    c === 40 /* ( */ ||
    c === 41 /* ) */ ||
    c === 126 /* ~ */ ||
    c === 43 /* + */ ||
    c === 61 /* = */ ||
    c === 59 /* ; */ ||
    c === 60 /* < */ ||
    c === 94 /* ^ */
  );
}

/** `|`, `>`, `|-`, `>+2` and the like, alone up to a comment or the end of the line. */
function isIndicator(text: string, at: number, eol: number): boolean {
  let j = at + 1;
  while (j < eol) {
    const c = text.charCodeAt(j);
    if (c === 45 || c === 43 || (c >= 49 && c <= 57)) j++;
    else break;
  }
  while (j < eol && isSpace(text.charCodeAt(j))) j++;
  return j >= eol || text.charCodeAt(j) === 35 || text.charCodeAt(j) === 13;
}

// One call per document, one pass over its characters: JavaScriptCore's top tier (FTL) compiles this
// loop (twice at 10,000 routes, when documents of a new shape reach paths the first compile had not
// seen) for about 70 ms of CPU, and its code is no faster here than the tier below it (DFG).
noFTL(screenDocument);
