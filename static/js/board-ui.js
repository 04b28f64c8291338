// How the board screens (board.js, synthesis.js) word things: authors, provenance and
// error frames, in the page's language.
import { errorText as sharedErrorText } from "./errors.js";
import { t, fmt } from "./i18n.js";

let labels = { countries: {}, stakeholders: {} };
export function setLabels(value) { if (value) labels = value; }

export function authorText(author) {
  if (!author) return "";
  const role = [labels.countries[author.country] || author.country, labels.stakeholders[author.stakeholder] || author.stakeholder]
    .filter(Boolean).join(", ");
  if (author.name) return role ? `${author.name} (${role})` : author.name;
  if (author.role === "facilitator") return t("Facilitator");
  return role;
}

export function provenanceText(p) {
  if (!p || !p.board) return "";
  const from = [p.session_title, p.group].filter(Boolean).join(" / ");
  const who = authorText({ name: p.name, country: p.country, stakeholder: p.stakeholder });
  return fmt(t("from %s"), [who ? `${from} (${who})` : from]);
}

// Board-specific words for some error codes; every other code gets the shared words
// of static/js/errors.js, in the page's language (never the server's English message).
const MESSAGES = {
  locked: "The board is locked; nothing was changed.",
  forbidden: "You may not do that on this board.",
  not_found: "That is no longer on the board.",
  budget_exhausted: "You have used all your votes on this board.",
  conflict: "That change no longer applies.",
  not_subscribed: "Still connecting; try again in a moment.",
  internal: "The server failed; nothing was changed. Please try again.",
};

export function errorText(frame) {
  const overrides = Object.fromEntries(Object.entries(MESSAGES).map(([code, text]) => [code, t(text)]));
  const text = sharedErrorText(frame, overrides);
  if (frame.code === "invalid" && frame.fields) {
    // Which field, and the server's limit (e.g. "text: at most 500 characters").
    return `${text} (${Object.entries(frame.fields).map(([k, v]) => `${k}: ${v}`).join("; ")})`;
  }
  return text;
}
