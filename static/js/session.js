// The live session bar: current agenda item, countdown timer, the facilitator's last message,
// "you were moved to group X" with the group's video link, "back to plenary".
// Shared by the participant's room and the board page, so one tab keeps one socket:
//   import { connectLive } from "./live.js";
//   import { mountSessionBar } from "./session.js"   (no semicolon: collectstatic rewrites imports)
//   const live = connectLive(sessionUuid);
//   mountSessionBar(live, document.getElementById("session-bar"));
// The server pushes a new welcome by itself whenever this person's rights or place change
// (groups opened or recalled, moved, made rapporteur, a new round): the bar redraws from it.

import { errorText } from "./errors.js";

import { t as gettext, named } from "./i18n.js";
import { el as element } from "./dom.js";

const el = (tag, className, text) => element(tag, className ? { className } : {}, text);

function pad(n) { return String(n).padStart(2, "0"); }

export function formatRemaining(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

export function mountSessionBar(live, element) {
  element.classList.add("session-bar");
  element.setAttribute("aria-live", "polite");
  const status = el("div", "sb-status");
  const agenda = el("div", "sb-agenda");
  const timer = el("div", "sb-timer hidden");
  const timerLabel = el("span", "sb-timer-label");
  const timerValue = el("strong", "sb-timer-value");
  timer.append(timerLabel, timerValue);
  const group = el("div", "sb-group hidden");
  const notice = el("div", "sb-notice hidden");
  const message = el("div", "sb-message hidden");
  element.replaceChildren(status, agenda, timer, group, notice, message);

  const state = { endsAt: null, offset: 0, groupId: null, groupsOpen: false, ticking: null };

  function setStatus(s) {
    status.dataset.status = s;
    status.textContent = s === "online" ? "" : s === "refused" ? gettext("Join the session to follow it live.")
      : gettext("Reconnecting…");
    status.classList.toggle("hidden", s === "online");
  }

  function showAgenda(item) {
    agenda.replaceChildren();
    if (!item) { agenda.classList.add("hidden"); return; }
    agenda.classList.remove("hidden");
    agenda.append(el("span", "sb-kicker", gettext("Now")), el("strong", "sb-item", item.title),
      el("span", `sb-kind kind-${item.kind}`, item.kind_label || item.kind));
    for (const li of document.querySelectorAll("#agenda li[data-item]")) {
      li.classList.toggle("current", Number(li.dataset.item) === item.id);
    }
  }

  function tick() {
    if (!state.endsAt) return;
    const left = state.endsAt - (Date.now() + state.offset);
    timerValue.textContent = formatRemaining(left);
    timer.classList.toggle("ending", left < 60000);
    if (left <= 0) {
      timerValue.textContent = gettext("Time is up");
      clearInterval(state.ticking);
      state.ticking = null;
    }
  }

  function showTimer(frame) {
    clearInterval(state.ticking);
    state.ticking = null;
    timer.classList.remove("paused");
    if (frame && !frame.ends_at && typeof frame.paused_left === "number") {
      // Paused: the time it had left, standing still.
      state.endsAt = null;
      timerLabel.textContent = `${frame.label ? `${frame.label} · ` : ""}${gettext("Paused")} `;
      timerValue.textContent = formatRemaining(frame.paused_left * 1000);
      timer.classList.toggle("ending", frame.paused_left < 60);
      timer.classList.add("paused");
      timer.classList.remove("hidden");
      return;
    }
    if (!frame || !frame.ends_at) { state.endsAt = null; timer.classList.add("hidden"); return; }
    state.endsAt = Date.parse(frame.ends_at);
    state.offset = frame.server_now ? Date.parse(frame.server_now) - Date.now() : 0;
    timerLabel.textContent = frame.label ? `${frame.label} ` : `${gettext("Time left")} `;
    // The groups end with it: say so, so nobody is surprised when they are called back.
    if (frame.recalls) timerLabel.textContent = `${gettext("Groups end in")} `;
    timer.classList.remove("hidden");
    tick();
    state.ticking = setInterval(tick, 1000);
  }

  function showGroup(info) {
    group.replaceChildren();
    state.groupId = info ? info.id : null;
    if (!info) { group.classList.add("hidden"); return; }
    group.classList.remove("hidden");
    group.dataset.group = info.id;
    group.append(el("span", "sb-kicker", gettext("Your group")), el("strong", "sb-group-name", info.name));
    if (info.is_rapporteur) group.append(el("span", "pill", gettext("You are the rapporteur")));
    if (info.video_url) {
      const a = el("a", "button primary sb-video", gettext("Join the video room"));
      a.href = info.video_url;
      a.target = "_blank";
      a.rel = "noopener";
      group.append(a);
    }
  }

  function flash(text, kind = "info") {
    notice.textContent = text;
    notice.dataset.kind = kind;
    notice.classList.remove("hidden");
  }

  // A notice that goes away by itself after `ms` (unless something else was shown meanwhile).
  let briefTimer = null;
  function flashBriefly(text, kind, ms) {
    flash(text, kind);
    clearTimeout(briefTimer);
    briefTimer = setTimeout(() => { if (notice.textContent === text) notice.classList.add("hidden"); }, ms);
  }
  // While the server asks us to wait.
  function busy(f) {
    const seconds = typeof f.retry_after === "number" ? f.retry_after : 5;
    flashBriefly(errorText(f), "busy", (seconds + 3) * 1000);
  }

  // The last message to everyone comes in the welcome too (late joiners, reconnects);
  // one the participant dismissed stays dismissed in this tab.
  const dismissedKey = "sb-dismissed-message";
  function dismissed(f) {
    try { return f.at && sessionStorage.getItem(dismissedKey) === f.at; } catch { return false; }
  }
  function showMessage(f) {
    message.replaceChildren();
    if (!f || !f.text || dismissed(f)) { message.classList.add("hidden"); return; }
    message.append(el("span", "sb-kicker", f.from ? named(gettext("Message from %(name)s"),
      { name: f.from }) : gettext("Message")), el("span", "sb-message-text", f.text));
    const close = el("button", "link sb-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", gettext("Dismiss"));
    close.addEventListener("click", () => {
      message.classList.add("hidden");
      try { if (f.at) sessionStorage.setItem(dismissedKey, f.at); } catch { /* private mode */ }
    });
    message.append(close);
    message.classList.remove("hidden");
  }

  live.on("status", (f) => setStatus(f.status));
  setStatus(live.status);

  live.on("welcome", (w) => {
    const wasOpen = state.groupsOpen;
    const before = state.groupId;
    state.groupsOpen = Boolean(w.session && w.session.groups_open);
    showAgenda(w.agenda || null);
    showTimer(w.timer || null);
    showMessage(w.message || null);
    showGroup(w.group_info || null);
    if (w.group_info && before !== null && before !== w.group_info.id) {
      flash(named(gettext("You were moved to %(name)s."), { name: w.group_info.name }), "moved");
    } else if (w.group_info && before === null && state.groupsOpen) {
      flash(named(gettext("Groups are open: you are in %(name)s."), { name: w.group_info.name }), "moved");
    } else if (wasOpen && !state.groupsOpen) {
      flash(gettext("Back to plenary: everyone is together again."), "plenary");
    } else if (!w.group_info && state.groupsOpen && w.choices && w.choices.length) {
      flash(gettext("Groups are open: choose your group below."), "waiting");
    } else if (!w.group_info && state.groupsOpen && w.me && w.me.participant && w.me.role !== "observer") {
      flash(gettext("Groups are running: the facilitator will place you in a group shortly."), "waiting");
    } else if (!w.group_info) {
      notice.classList.add("hidden");
    }
  });
  live.on("agenda.current", (f) => showAgenda(f.item));
  live.on("timer", showTimer);
  live.on("message", showMessage);
  live.on("message.cleared", () => showMessage(null));
  // Errors not tied to an op (a refused refresh, say); an op's error goes to whoever sent it.
  // Too many connections or the database down: live.js tries again by itself.
  live.on("error", (f) => {
    if (f.op_id) return;
    if (f.code === "rate_limited" || f.code === "unavailable") busy(f);
    else flash(errorText(f), "error");
  });
  // An op the server was too busy for: it goes out again by itself.
  live.on("retry", busy);
  // Ops kept across a page reload have no one waiting for them: say how they ended.
  live.on("restored", (f) => {
    if (f.result && f.result.type === "ack") {
      flashBriefly(gettext("A change you made before the page reloaded has been saved."), "restored", 8000);
    } else {
      flashBriefly(named(gettext("A change you made before the page reloaded was not saved: %(reason)s"),
        { reason: errorText(f.result) }), "error", 15000);
    }
  });
  live.on("group.updated", (f) => { if (f.group && f.group.id === state.groupId) showGroup(f.group); });

  return {
    element,
    destroy() { clearInterval(state.ticking); clearTimeout(briefTimer); element.replaceChildren(); },
  };
}
