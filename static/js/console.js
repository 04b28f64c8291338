// The facilitator's console: agenda, timer, messages, breakout groups (drag and drop or
// a menu per person), signals, the live roster. Writes go over the one socket as ops;
// when the facilitators' stream says the roster or groups changed, the panel is
// re-fetched as server-rendered HTML (coalesced).
import { connectLive } from "./live.js";
import { errorText } from "./errors.js";
import { mountSessionBar } from "./session.js";
import { t as gettext, named } from "./i18n.js";

const root = document.getElementById("console");
const live = connectLive(root.dataset.session);
mountSessionBar(live, document.getElementById("session-bar"));
const panel = document.getElementById("console-panel");
const signals = document.getElementById("signals");
// Timer buttons for the state it is in: pause a running one, resume a paused one.
function timerButtons(t) {
  const running = Boolean(t && t.ends_at);
  const paused = Boolean(t && !t.ends_at && typeof t.paused_left === "number");
  document.getElementById("timer-pause").hidden = !running;
  document.getElementById("timer-resume").hidden = !paused;
  document.getElementById("timer-extend").hidden = !running && !paused;
}
timerButtons(null);
live.on("welcome", (w) => timerButtons(w.timer));
live.on("timer", timerButtons);
// Tests and people alike can see when the console is live.
live.on("welcome", () => { root.dataset.live = "online"; });
live.on("status", (f) => { if (f.status !== "online") root.dataset.live = f.status; });

// What an error means for each op, where the code alone says too little.
const recalled = gettext("These groups were already recalled. Propose a new round.");
const OP_ERRORS = {
  "timer.start": { invalid: gettext("Minutes must be a whole number from 1 to 240.") },
  "timer.pause": { conflict: gettext("No timer is running.") },
  "timer.resume": { conflict: gettext("The timer is not paused.") },
  "timer.extend": { conflict: gettext("Start a timer first.") },
  "message.send": { invalid: gettext("Write a message of up to 500 characters.") },
  "groups.open": { conflict: recalled, not_found: gettext("This round is no longer there. Reload the page.") },
  "groups.recall": { conflict: recalled },
  "group.move": { conflict: recalled, not_found: gettext("That person or group is no longer there."),
    invalid: gettext("Observers watch the plenary; they are not placed in groups.") },
  "group.rapporteur": { not_found: gettext("This person is not in the group any more.") },
  "group.remove": { conflict: gettext("Only an empty group whose board has no notes can be removed."),
    not_found: gettext("That group is no longer there.") },
};

function report(name, err) {
  signals.querySelector(".empty")?.remove();
  const li = document.createElement("li");
  li.className = "error";
  li.dataset.code = (err && err.code) || "";
  li.textContent = errorText(err, OP_ERRORS[name]);
  signals.prepend(li);
  refreshPanel(); // what the facilitator saw may be out of date
}

function op(name, data) {
  return live.op(name, data).catch((err) => { report(name, err); return null; });
}

let refetchTimer = null;
function refreshPanel() {
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(async () => {
    const response = await fetch(root.dataset.panelUrl, { credentials: "same-origin" });
    if (response.ok) panel.innerHTML = await response.text();
  }, 250);
}

root.addEventListener("click", (event) => {
  const button = event.target.closest("[data-op]");
  if (!button) return;
  const data = {};
  for (const key of ["item", "round", "group", "participant", "minutes"]) {
    if (button.dataset[key] !== undefined) data[key] = Number(button.dataset[key]);
  }
  op(button.dataset.op, data);
});

root.addEventListener("change", (event) => {
  const select = event.target.closest("select.move");
  if (!select || !select.value) return;
  const group = select.value === "waiting" ? null : Number(select.value);
  op("group.move", { participant: Number(select.dataset.participant), group });
});

root.addEventListener("dragstart", (event) => {
  const li = event.target.closest("[data-participant][draggable]");
  if (li) event.dataTransfer.setData("text/plain", li.dataset.participant);
});
root.addEventListener("dragover", (event) => {
  if (event.target.closest(".group-col")) event.preventDefault();
});
root.addEventListener("drop", (event) => {
  const col = event.target.closest(".group-col");
  const pid = event.dataTransfer.getData("text/plain");
  if (!col || !pid) return;
  event.preventDefault();
  const group = col.dataset.group === "waiting" ? null : Number(col.dataset.group);
  op("group.move", { participant: Number(pid), group });
});

document.getElementById("timer-form").addEventListener("submit", (event) => {
  event.preventDefault();
  op("timer.start", { minutes: Number(event.target.minutes.value), recall: event.target.recall.checked });
});
document.getElementById("message-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = event.target.text.value.trim();
  if (!text) return;
  op("message.send", { text }).then((ack) => { if (ack) event.target.text.value = ""; });
});

function showSignal(f) {
  signals.querySelector(".empty")?.remove();
  const li = document.createElement("li");
  li.className = `signal-${f.signal}`;
  const labels = {
    done: gettext("%(group)s: we're done"),
    help: gettext("%(group)s: we need help"),
    clear: gettext("%(group)s: signal cleared"),
  };
  li.textContent = named(labels[f.signal] || "%(group)s", { group: f.name });
  if (f.signal !== "clear") {
    const clear = document.createElement("button");
    clear.type = "button";
    clear.className = "link small";
    clear.dataset.op = "signal.clear";
    clear.dataset.group = f.group;
    clear.textContent = gettext("clear");
    li.append(" ", clear);
  }
  signals.prepend(li);
}

live.on("signal", (f) => { showSignal(f); refreshPanel(); });
// The session's roster (board: null): everyone online now, in full, each time. Dots flip
// at once; counts and newcomers come with the (coalesced) panel re-fetch, only when who is
// online changed. Presence on a board (board set) is the board screen's.
let online = null; // Set of participant ids, from the last roster frame
live.on("presence", (f) => {
  if (f.board !== null && f.board !== undefined) return;
  const now = new Set((f.people || []).map((p) => Number(p.participant)));
  for (const dot of document.querySelectorAll("[data-presence]")) {
    dot.classList.toggle("on", now.has(Number(dot.dataset.presence)));
  }
  const changed = online === null || now.size !== online.size || [...now].some((id) => !online.has(id));
  online = now;
  if (changed) refreshPanel();
});
for (const type of ["moved", "placed", "waiting", "round.created", "rapporteur", "groups.opened", "groups.recalled",
  "group.updated", "group.removed"]) {
  live.on(type, refreshPanel);
}
// A banner from the last form sent ("Groups proposed…") says nothing true once the
// groups opened or were called back.
for (const type of ["groups.opened", "groups.recalled"]) {
  live.on(type, () => document.querySelectorAll(".messages").forEach((m) => m.remove()));
}
// An op kept across a reload (live.js) that the server then refused: say so, as for any op.
live.on("restored", (f) => { if (f.result && f.result.type === "error") report(f.op, f.result); });
