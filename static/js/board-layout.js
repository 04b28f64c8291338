// Geometry of the concept map, without the DOM or Cytoscape (node tests in tests/js/):
// how tall a note is drawn, and where a new note goes so that it overlaps none.
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
export const GAP = 40; // the least space between two notes, so a link between them shows

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

// The text a note is drawn with: its cluster's name above, its votes below.
export function noteLabel(note, clusters) {
  let label = note.text;
  const cluster = note.cluster && clusters.get(note.cluster);
  if (cluster) label = `[${cluster.name}]\n${label}`;
  if (note.votes) label += `\n● ${note.votes}`;
  return label;
}

// The height of a note's text box (Cytoscape's `height`, without padding and border).
export function noteHeight(label, measure) {
  const lines = wrapLines(label, NOTE.textWidth, measure).length;
  return Math.ceil(lines * NOTE.fontSize * NOTE.lineHeight) + 2;
}

// The whole drawn box of a note of that text height, centred on (x, y).
export function noteBox(x, y, height) {
  const h = height + 2 * NOTE.padding + 2 * NOTE.border;
  return { x1: x - OUTER_W / 2, x2: x + OUTER_W / 2, y1: y - h / 2, y2: y + h / 2 };
}

function clear(boxes, box, gap) {
  return boxes.every((b) => box.x2 + gap <= b.x1 || box.x1 - gap >= b.x2 || box.y2 + gap <= b.y1 || box.y1 - gap >= b.y2);
}

// Steps well over a note's size: a link between neighbours has room for its label.
export const GRID = { x0: 120, y0: 80, dx: 280, dy: 150, columns: 4 };

// Where a note added from the list goes: the first grid slot (row by row, `columns`
// wide) where a note of `height` keeps at least `gap` from every box in `boxes`.
export function firstFreeSlot(boxes, height, { gap = GAP, grid = GRID } = {}) {
  for (let row = 0; row < 10000; row += 1) {
    for (let col = 0; col < grid.columns; col += 1) {
      const x = grid.x0 + col * grid.dx;
      const y = grid.y0 + row * grid.dy;
      if (clear(boxes, noteBox(x, y, height), gap)) return { x, y };
    }
  }
  return { x: grid.x0, y: grid.y0 };
}

// Where a note added on the map goes: the free spot nearest `centre` (the middle of the
// view), tried on rings of a grid a note's size apart.
export function nearestFreeSpot(boxes, height, centre, { gap = GAP } = {}) {
  const stepX = Math.round(OUTER_W / 2 + gap / 2);
  const stepY = Math.round((height + 2 * NOTE.padding + gap) / 2);
  for (let ring = 0; ring < 40; ring += 1) {
    const spots = [];
    for (let i = -ring; i <= ring; i += 1) {
      for (let j = -ring; j <= ring; j += 1) {
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        spots.push({ x: Math.round(centre.x + i * stepX), y: Math.round(centre.y + j * stepY) });
      }
    }
    spots.sort((a, b) => Math.hypot(a.x - centre.x, a.y - centre.y) - Math.hypot(b.x - centre.x, b.y - centre.y));
    for (const s of spots) if (clear(boxes, noteBox(s.x, s.y, height), gap)) return s;
  }
  return firstFreeSlot(boxes, height, { gap });
}

// The zoom that shows the whole map in the view, but never below `minZoom` (text stays
// readable on a phone; the rest is reached by panning), nor above `maxZoom`.
// Returns {zoom, pan}: with a clamped zoom the top-left of the map is shown.
export function readableView(bb, view, { padding = 30, minZoom = 0.6, maxZoom = 1.25 } = {}) {
  if (!bb || !(bb.w > 0) || !(bb.h > 0)) return { zoom: 1, pan: { x: padding, y: padding } };
  const fit = Math.min((view.w - 2 * padding) / bb.w, (view.h - 2 * padding) / bb.h);
  const zoom = Math.max(minZoom, Math.min(maxZoom, fit));
  if (fit < minZoom) return { zoom, pan: { x: padding - bb.x1 * zoom, y: padding - bb.y1 * zoom } };
  const pan = { x: (view.w - bb.w * zoom) / 2 - bb.x1 * zoom, y: (view.h - bb.h * zoom) / 2 - bb.y1 * zoom };
  return { zoom, pan };
}
