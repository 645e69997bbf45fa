// The cheap duplicate-key check most documents take instead of the screen (screen.ts), about six
// times faster: count the document's colons before Bun parses it, and its keys after.
//
// Bun's parser keeps the last of two equal keys silently, so a document with a duplicate parses to
// fewer keys than it writes. Every key a document writes comes with a `:` of its own, as long as it
// has no explicit key (`? k`) and no flow mapping (`{k}`); aliases could bring keys in from an
// anchor, and a merge key (`<<`) only lowers the count (Bun folds the merged mapping in and drops
// `<<`). So for a document without `?`, `{`, `&`, `*` and `!` (anchors, aliases and tags, which the
// screen sends the careful way anyway):
//
//   keys parsed  =  keys written - duplicates  <=  colons - duplicates
//
// and "keys parsed = colons" proves there is no duplicate. Colons in values, comments and quoted
// text only make the count larger, never smaller: such a document, like one with a duplicate, just
// goes on to the screen (chunk.ts), which decides exactly as before.
import { noFTL } from "bun:jsc";

/** The document's colons when the count decides for it, or -1 when it may write a key without one. */
export function colonBound(text: string): number {
  if (text.indexOf("?") >= 0 || text.indexOf("{") >= 0 || text.indexOf("&") >= 0 || text.indexOf("*") >= 0 || text.indexOf("!") >= 0) return -1;
  let n = 0;
  for (let i = text.indexOf(":"); i >= 0; i = text.indexOf(":", i + 1)) n++;
  return n;
}

// Run once per document: the tier below FTL runs it as fast without FTL's compile (see screen.ts).
noFTL(colonBound);
