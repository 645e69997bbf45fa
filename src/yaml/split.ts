// A multi-document YAML file's text -> its documents' texts and positions. No YAML parsing here (and
// no import of the `yaml` package): the parse worker splits its part of a file with this too.
import { noFTL } from "bun:jsc";

export interface Chunk {
  text: string;
  /** The line `text` starts on. */
  line: number;
  /** Where `text` starts in the text that was split. */
  offset: number;
}

// Splits on document markers. A line beginning with `---` (followed by space or end of line) or
// `...` always ends a document in YAML, even inside block scalars, so this split is exact.
// `firstLine`: the line `text` starts on. A chunk starts where the previous one's marker ends
// (mid-line after `---`, whose rest of the line never starts a marker) or on a line of its own, so
// splitting the text from a chunk's offset, from the chunk's line, gives that chunk and the ones after.
function splitDocuments(text: string, firstLine = 1): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  let startLine = firstLine;
  let line = firstLine;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    const eol = text.indexOf("\n", pos);
    const end = eol === -1 ? n : eol;
    if (text.charCodeAt(pos) === 45 /* - */ && text.startsWith("---", pos)) {
      const after = text.charCodeAt(pos + 3);
      if (pos + 3 >= end || after === 32 || after === 9 || after === 13) {
        chunks.push({ text: text.slice(start, pos), line: startLine, offset: start });
        // Content after the marker on the same line (`--- {a: 1}`) belongs to the next document.
        start = pos + 3;
        startLine = line;
      }
    } else if (text.charCodeAt(pos) === 46 /* . */ && text.startsWith("...", pos) && endsDocument(text.slice(pos + 3, end))) {
      chunks.push({ text: text.slice(start, pos), line: startLine, offset: start });
      // The next document starts on the next line (not at this line's newline, which would count
      // one blank line too many before it and put every line it reports one line down).
      start = Math.min(end + 1, n);
      startLine = line + 1;
    }
    pos = end + 1;
    line++;
  }
  chunks.push({ text: text.slice(start), line: startLine, offset: start });
  return chunks;
}

/** Only whitespace and comments (a loop, not a regular expression: input text never backtracks). */
function isBlank(text: string): boolean {
  let inComment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) inComment = false;
    else if (inComment) continue;
    else if (c === 35 /* # */) inComment = true;
    else if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** The documents that hold more than blanks and comments (`firstLine`: see splitDocuments). */
export function contentChunks(text: string, firstLine = 1): Chunk[] {
  return splitDocuments(text, firstLine).filter((c) => !isBlank(c.text));
}

/** What may follow `...` for it to end a document: nothing, or white space and a comment. */
function endsDocument(rest: string): boolean {
  const t = rest.trim();
  return t === "" || (t.startsWith("#") && (rest.charCodeAt(0) === 32 || rest.charCodeAt(0) === 9));
}

// Once per file, a loop over its lines: kept below FTL (see screen.ts).
noFTL(splitDocuments);
