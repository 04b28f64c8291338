// Words for websocket error frames, keyed by their `code` (realtime/protocol.py
// ERROR_CODES), in the page's language. The server's `message` is English and meant for
// developers; people see these. A screen may pass texts for a code that say more in its
// context: errorText(err, {conflict: "<the words for this screen>"}).
//   import { errorText } from "./errors.js"   (no semicolon here: collectstatic would rewrite it)
//   live.op(...).catch((err) => { status.textContent = errorText(err); });

import { t as gettext } from "./i18n.js";

// A function, so the words are looked up in the page's catalogue when they are shown.
function texts() {
  const reload = gettext("Something went wrong between your browser and the server. Reload the page and try again.");
  return {
    bad_json: reload,
    bad_frame: reload,
    unknown_type: reload,
    unknown_op: reload,
    too_large: gettext("That is too long to send. Shorten it and try again."),
    invalid: gettext("Check what you entered and try again."),
    not_found: gettext("That is no longer there: it may have been removed or changed meanwhile."),
    forbidden: gettext("Your role does not allow this."),
    locked: gettext("This board is locked: you can read it but not change it."),
    not_subscribed: gettext("The board is reconnecting. Try again in a moment."),
    budget_exhausted: gettext("You have used all your votes."),
    conflict: gettext("Someone changed this meanwhile, so your change no longer applies."),
    unauthenticated: gettext("Join the session first to take part."),
    internal: gettext("Something went wrong on our side. Nothing was changed; please try again."),
    // Not an answer to an op: live.js keeps the op and sends it again after retry_after.
    rate_limited: gettext("Too many requests at once: trying again in a moment."),
    unavailable: gettext("The server is having trouble just now: your changes will be sent when it is back."),
  };
}

export const ERROR_CODES = Object.keys(texts());

export function errorText(err, overrides = {}) {
  const code = err && err.code;
  if (code && overrides[code]) return overrides[code];
  return texts()[code] || gettext("That did not work. Try again.");
}
