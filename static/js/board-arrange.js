// Laying the map out automatically (the map's "Arrange" button): ELK (elkjs, from npm)
// places every note, grouped by category (a region each) and, within a category, by
// cluster, with at least GAP between notes. No DOM: the browser and the node tests pass
// an ELK instance and a text measure.
//   const moves = await arrange(state, { elk: new ELK(), measure });
//   // [{id, x, y}] for every note whose centre changes; the caller sends them as note.move
//
// Two ELK layouts of the same groups: "linked" lays the whole board out in one layered
// run, every link flowing left to right across the regions (short links, none drawn
// through a note); it reads best but grows into a long strip on a big tangled board, so
// when it is far from a screen's shape the "packed" one is used: each region laid out on
// its own (its inner links layered, its loose notes and groups packed) and the regions
// packed in their order.
import { GAP, NOTE, OUTER_W, noteHeight, noteLabel } from "./board-layout.js";

export const ORIGIN = { x: 120, y: 80 }; // where the arranged map's top-left goes

// The linked layout is kept when its width / height is within these.
const SHAPE = { min: 0.5, max: 3 };

// Spacing is a property of the compound whose content is laid out: every level gets it.
const SPACING = {
  "elk.spacing.nodeNode": String(GAP),
  "elk.layered.spacing.nodeNodeBetweenLayers": "90", // room for a link's label
  "elk.layered.spacing.edgeNodeBetweenLayers": "30",
  "elk.spacing.componentComponent": String(GAP),
};
const REGION_PADDING = "[top=40,left=30,bottom=30,right=30]";
const CLUSTER_PADDING = "[top=20,left=16,bottom=16,right=16]";
// (No "considerModelOrder" anywhere: with INCLUDE_CHILDREN it crashes elkjs 0.12.)
const LAYOUTS = {
  linked: {
    board: {
      ...SPACING,
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.hierarchyHandling": "INCLUDE_CHILDREN",
      "elk.aspectRatio": "1.6",
    },
    // Only boxes that their notes stay in: the board's run lays out everything.
    region: { ...SPACING, "elk.padding": REGION_PADDING },
    cluster: { ...SPACING, "elk.padding": CLUSTER_PADDING },
  },
  packed: {
    board: {
      "elk.algorithm": "rectpacking",
      "elk.aspectRatio": "1.6",
      "elk.spacing.nodeNode": "60",
      "elk.padding": "[top=0,left=0,bottom=0,right=0]",
    },
    // A region, and a cluster in it: linked notes layered, the rest packed to a block of
    // about a screen's shape (separate components are packed only without INCLUDE_CHILDREN).
    region: {
      ...SPACING,
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.separateConnectedComponents": "true",
      "elk.aspectRatio": "1.6",
      "elk.padding": REGION_PADDING,
    },
    cluster: {
      ...SPACING,
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.separateConnectedComponents": "true",
      "elk.aspectRatio": "1.6",
      "elk.padding": CLUSTER_PADDING,
    },
  },
};

// The ELK graph of the board: a compound node per category (and one for notes with none),
// inside it one per cluster, the notes as leaves sized as the map draws them.
// Linked: every link, declared on the board. Packed: each compound lays out its own
// children, so a link is declared where both its ends have a representative (the note,
// or the cluster holding it); links across categories are drawn but move nothing.
export function arrangeGraph(state, measure, { linked = false } = {}) {
  const options = linked ? LAYOUTS.linked : LAYOUTS.packed;
  const regions = new Map();
  const clusters = new Map();
  const placed = new Map(); // note id -> {region, cluster (or null)}
  const region = (key) => {
    if (!regions.has(key)) regions.set(key, { id: key, children: [], edges: [], layoutOptions: options.region });
    return regions.get(key);
  };
  for (const c of state.sortedCategories()) region(`c${c.id}`);
  for (const n of state.sortedNotes()) {
    const r = region(n.category !== null && state.categories.has(n.category) ? `c${n.category}` : "none");
    const leaf = {
      id: `n${n.id}`, width: OUTER_W,
      height: noteHeight(noteLabel(n, state.clusters), measure) + 2 * NOTE.padding + 2 * NOTE.border,
    };
    let group = null;
    if (n.cluster && state.clusters.has(n.cluster)) {
      const key = `${r.id}-k${n.cluster}`;
      if (!clusters.has(key)) {
        clusters.set(key, { id: key, children: [], edges: [], layoutOptions: options.cluster });
        r.children.push(clusters.get(key));
      }
      group = clusters.get(key);
      group.children.push(leaf);
    } else {
      r.children.push(leaf);
    }
    placed.set(n.id, { region: r, cluster: group });
  }
  const edges = [];
  for (const l of [...state.links.values()].sort((a, b) => a.id - b.id)) {
    const from = placed.get(l.source);
    const to = placed.get(l.target);
    if (!from || !to || l.source === l.target) continue;
    const edge = (source, target) => ({ id: `l${l.id}`, sources: [source], targets: [target] });
    if (linked) edges.push(edge(`n${l.source}`, `n${l.target}`));
    else if (from.region !== to.region) continue;
    else if (from.cluster && from.cluster === to.cluster) from.cluster.edges.push(edge(`n${l.source}`, `n${l.target}`));
    else {
      const source = from.cluster ? from.cluster.id : `n${l.source}`;
      const target = to.cluster ? to.cluster.id : `n${l.target}`;
      if (source !== target) from.region.edges.push(edge(source, target));
    }
  }
  return { id: "board", layoutOptions: options.board, edges,
    children: [...regions.values()].filter((r) => r.children.length) };
}

// The linked layout if it has a screen's shape (and ELK managed it), else the packed one.
// `linked` true or false asks for one of them (the tests check both).
async function layout(state, elk, measure, linked) {
  if (linked === false) return elk.layout(arrangeGraph(state, measure));
  try {
    const laid = await elk.layout(arrangeGraph(state, measure, { linked: true }));
    const shape = laid.width / laid.height;
    if (linked === true || (shape >= SHAPE.min && shape <= SHAPE.max)) return laid;
  } catch (err) {
    if (linked === true) throw err;
    console.warn("board arrange: the linked layout failed; packing the regions instead", err);
  }
  return elk.layout(arrangeGraph(state, measure));
}

// Centres of the laid-out notes (ELK gives top-left corners relative to the parent).
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

export async function arrange(state, { elk, measure, linked = "auto" }) {
  if (!state.notes.size) return [];
  const laid = await layout(state, elk, measure, linked);
  const moves = [];
  for (const [id, c] of centres(laid, ORIGIN.x, ORIGIN.y, new Map())) {
    const note = state.notes.get(id);
    const x = round(c.x);
    const y = round(c.y);
    if (note && (note.x !== x || note.y !== y)) moves.push({ id, x, y });
  }
  return moves.sort((a, b) => a.id - b.id);
}
