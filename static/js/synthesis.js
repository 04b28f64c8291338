// Plenary synthesis (/boards/synthesis/<session>/): every group's board side by side,
// live on the tab's one socket, with "pull" buttons that copy notes or whole clusters
// into the plenary board (note.pull keeps their provenance).
import { followBoard } from "./board-state.js";
import { errorText, authorText, provenanceText, setLabels } from "./board-ui.js";
import { el } from "./dom.js";
import { t, fmt } from "./i18n.js";

const config = JSON.parse(document.getElementById("board-config").textContent);
setLabels(config.labels);
const $ = (id) => document.getElementById(id);
const { connectLive } = await import(config.live);
const live = connectLive(config.session);
const PLENARY = config.plenary;

live.on("status", (f) => {
  $("conn-status").textContent = f.status === "online" ? t("Live") : t("Reconnecting…");
  $("conn-status").className = `conn conn-${f.status}`;
});
live.on("presence", (f) => {
  if (f.board === null || f.board === undefined) return; // the session's roster, not a board's
  const span = document.querySelector(`[data-presence="${f.board}"]`);
  if (span) span.textContent = fmt(t("%s here now"), [f.count]);
});

let pending = 0;
async function pull(source, data) {
  pending += 1;
  $("saving").textContent = t("saving…");
  try {
    return await live.op("note.pull", { source_board: source, ...data }, { board: PLENARY });
  } catch (frame) {
    const box = $("board-error");
    box.textContent = errorText(frame);
    box.classList.remove("hidden");
    setTimeout(() => box.classList.add("hidden"), 8000);
    return null;
  } finally {
    pending -= 1;
    if (!pending) $("saving").textContent = "";
  }
}

function noteItem(state, note, canPull) {
  const li = el("li", { className: "note-card", "data-note": String(note.id) });
  li.style.setProperty("--note-colour", state.colourOf(note));
  const cat = state.categories.get(note.category);
  const meta = [cat ? cat.name : "", authorText(note.author), provenanceText(note.provenance),
    note.votes ? fmt(t("%s votes"), [note.votes]) : ""].filter(Boolean).join(" · ");
  li.append(el("p", { className: "note-text" }, note.text), el("p", { className: "note-meta" }, meta));
  if (canPull) {
    const b = el("button", { type: "button", className: "pull" }, t("Pull into plenary"));
    b.addEventListener("click", () => pull(state.id, { notes: [note.id] }));
    li.append(b);
  }
  return li;
}

function render(state) {
  const section = document.querySelector(`.synth-board[data-board="${state.id}"]`);
  if (!section) return;
  const body = section.querySelector(".synth-body");
  const canPull = PLENARY !== null && section.dataset.kind !== "plenary";
  const notes = state.sortedNotes().filter((n) => n.parent === null || !state.notes.has(n.parent));
  const parts = [];
  for (const cluster of [...state.clusters.values()].sort((a, b) => a.id - b.id)) {
    const members = notes.filter((n) => n.cluster === cluster.id);
    if (!members.length) continue;
    const box = el("div", { className: "synth-cluster" });
    const h = el("h3", {}, cluster.name);
    if (canPull) {
      const b = el("button", { type: "button", className: "pull-cluster" }, t("Pull cluster"));
      b.addEventListener("click", () => pull(state.id, { cluster: cluster.id }));
      h.append(b);
    }
    box.append(h, el("ul", { className: "note-list" }, ...members.map((n) => noteItem(state, n, canPull))));
    parts.push(box);
  }
  const loose = notes.filter((n) => n.cluster === null || !state.clusters.has(n.cluster));
  parts.push(el("ul", { className: "note-list" }, ...loose.map((n) => noteItem(state, n, canPull))));
  if (!notes.length) parts.push(el("p", { className: "muted" }, t("No notes yet.")));
  body.replaceChildren(...parts);
  section.dataset.seq = String(state.seq);
}

for (const id of config.boards) followBoard(live, id, (state) => render(state));
