// Translated strings, from Django's JavaScript catalogue (the page loads /jsi18n/, which
// defines gettext and interpolate); without it, the English text. Looked up at each call,
// so the catalogue may load after a module that imports this one.
//   t("Live")                                      a plain string
//   fmt(t("%s here now"), [3])                     "%s" placeholders, in order
//   named(t("Message from %(name)s"), {name})      "%(name)s" placeholders

export function t(text) {
  return typeof globalThis.gettext === "function" ? globalThis.gettext(text) : text;
}

export function fmt(text, args) {
  if (typeof globalThis.interpolate === "function") return globalThis.interpolate(text, args);
  let i = 0;
  return text.replace(/%s/g, () => String(args[i++]));
}

export function named(text, values) {
  if (typeof globalThis.interpolate === "function") return globalThis.interpolate(text, values, true);
  return text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
}
