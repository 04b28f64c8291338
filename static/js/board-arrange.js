// Laying the map out automatically (the map's "Arrange" button): ELK (elkjs, from npm)
// places every note, grouped by category (a region each, in the categories' order) and,
// within a category, by cluster, with the links flowing one way and at least GAP between
// notes. No DOM: the browser and the node tests pass an ELK instance and a text measure.
//   const moves = await arrange(state, { elk: new ELK(), measure });
//   // [{id, x, y}] for every note whose centre changes; the caller sends them as note.move
import { GAP, NOTE, OUTER_W, noteHeight, noteLabel } from "./board-layout.js";

export const ORIGIN = { x: 120, y: 80 }; // where the arranged map's top-left goes

// Spacing is a property of the compound whose content is laid out: every level gets it.
const SPACING = {
  "elk.spacing.nodeNode": String(GAP),
  "elk.layered.spacing.nodeNodeBetweenLayers": "90", // room for a link's label
  "elk.layered.spacing.edgeNodeBetweenLayers": "30",
  "elk.spacing.componentComponent": String(GAP),
};
// A category: its notes and clusters in one layered run (links left to right), its
// unlinked notes and separate groups packed to a landscape block.
const REGION = {
  ...SPACING,
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.separateConnectedComponents": "true",
  "elk.aspectRatio": "1.6",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.padding": "[top=40,left=30,bottom=30,right=30]",
};
const CLUSTER = { ...SPACING, "elk.padding": "[top=20,left=16,bottom=16,right=16]" };
// The board: the categories' regions packed in their order, about as wide as a screen.
const BOARD = {
  "elk.algorithm": "rectpacking",
  "elk.aspectRatio": "1.6",
  "elk.spacing.nodeNode": "60",
  "elk.padding": "[top=0,left=0,bottom=0,right=0]",
};

// The ELK graph of the board: a compound node per category (and one for notes with none),
// inside it one per cluster, the notes as leaves sized as the map draws them. A link
// between two notes of one category is laid out with them; one across categories is drawn
// but does not move the regions.
export function arrangeGraph(state, measure) {
  const regions = new Map();
  const region = (key) => {
    if (!regions.has(key)) regions.set(key, { id: key, children: [], edges: [], layoutOptions: REGION });
    return regions.get(key);
  };
  const clusters = new Map();
  const regionOf = new Map(); // note id -> its region
  for (const c of state.sortedCategories()) region(`c${c.id}`);
  for (const n of state.sortedNotes()) {
    const r = region(n.category !== null && state.categories.has(n.category) ? `c${n.category}` : "none");
    regionOf.set(n.id, r);
    const leaf = {
      id: `n${n.id}`, width: OUTER_W,
      height: noteHeight(noteLabel(n, state.clusters), measure) + 2 * NOTE.padding + 2 * NOTE.border,
    };
    if (n.cluster && state.clusters.has(n.cluster)) {
      const key = `${r.id}-k${n.cluster}`;
      if (!clusters.has(key)) {
        const group = { id: key, children: [], layoutOptions: CLUSTER };
        clusters.set(key, group);
        r.children.push(group);
      }
      clusters.get(key).children.push(leaf);
    } else {
      r.children.push(leaf);
    }
  }
  for (const l of [...state.links.values()].sort((a, b) => a.id - b.id)) {
    const r = regionOf.get(l.source);
    if (!r || r !== regionOf.get(l.target) || l.source === l.target) continue;
    r.edges.push({ id: `l${l.id}`, sources: [`n${l.source}`], targets: [`n${l.target}`] });
  }
  return { id: "board", layoutOptions: BOARD, children: [...regions.values()].filter((r) => r.children.length) };
}

// Centres of the laid-out leaves (ELK gives top-left corners relative to the parent).
function centres(node, dx, dy, out) {
  for (const child of node.children || []) {
    const x = dx + child.x;
    const y = dy + child.y;
    if (!child.children) out.set(+child.id.slice(1), { x: x + child.width / 2, y: y + child.height / 2 });
    else centres(child, x, y, out);
  }
  return out;
}

const round = (v) => Math.round(v * 10) / 10; // as a dragged note's position is sent

export async function arrange(state, { elk, measure }) {
  if (!state.notes.size) return [];
  const laid = await elk.layout(arrangeGraph(state, measure));
  const moves = [];
  for (const [id, c] of centres(laid, ORIGIN.x, ORIGIN.y, new Map())) {
    const note = state.notes.get(id);
    const x = round(c.x);
    const y = round(c.y);
    if (note && (note.x !== x || note.y !== y)) moves.push({ id, x, y });
  }
  return moves.sort((a, b) => a.id - b.id);
}
