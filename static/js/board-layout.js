// Geometry of the concept map, without the DOM or Cytoscape (node tests in tests/js/):
// how tall a note is drawn.
//
// A note's height is given to Cytoscape explicitly. `height: "label"` (Cytoscape sizing a
// node to its label) is deprecated and broke loading a board: an edge added with its
// nodes made Cytoscape cache "takes up no space" for the edge's source note before the
// label was measured, and that note and every edge were then never drawn (issue 9).

export const NOTE = {
  width: 170, // the text box; Cytoscape adds the padding and the border
  padding: 10,
  border: 1,
  textWidth: 150, // text-max-width
  fontSize: 12,
  lineHeight: 1.25,
  fontFamily: "Helvetica Neue, Helvetica, Arial, sans-serif",
};
export const OUTER_W = NOTE.width + 2 * NOTE.padding + 2 * NOTE.border; // 192

// The lines Cytoscape wraps `text` into ("text-wrap: wrap", words split at whitespace):
// the same rule as its renderer, so the box we give fits the text it draws.
export function wrapLines(text, maxWidth, measure) {
  const out = [];
  for (const line of String(text).split("\n")) {
    if (measure(line) <= maxWidth) { out.push(line); continue; }
    let sub = "";
    let previous = 0;
    for (const match of line.matchAll(/[\s\u200b]+|$/g)) {
      const sep = match[0];
      const word = line.substring(previous, match.index);
      previous = match.index + sep.length;
      const test = sub.length === 0 ? word : sub + word + sep;
      if (measure(test) <= maxWidth) sub += word + sep;
      else {
        if (sub) out.push(sub);
        sub = word + sep;
      }
      if (match.index >= line.length) break;
    }
    if (!/^[\s\u200b]*$/.test(sub)) out.push(sub);
  }
  return out.length ? out : [""];
}

// The height of a note's text box (Cytoscape's `height`, without padding and border).
export function noteHeight(label, measure) {
  const lines = wrapLines(label, NOTE.textWidth, measure).length;
  return Math.ceil(lines * NOTE.fontSize * NOTE.lineHeight) + 2;
}
