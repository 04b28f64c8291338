"""Keep the English and Russian catalogues complete.

    python scripts/translations.py         # makemessages, fill Russian from i18n/ru/*.json, compile
    python scripts/translations.py --check # exit 1 if a Russian msgstr is missing or fuzzy

i18n/ru/*.json are flat {English msgid: Russian} maps (a list of forms for plurals), one
file per area, so several people can add strings without editing the same .po file.
English catalogues stay empty (msgid is the English text).
"""

import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
IGNORE = ["--ignore=node_modules", "--ignore=.venv", "--ignore=staticfiles", "--ignore=var",
          "--ignore=test-artifacts", "--ignore=tests"]


def load_translations() -> dict:
    merged: dict = {}
    for path in sorted((ROOT / "i18n" / "ru").glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def catalogues() -> list[Path]:
    return [LOCALE / "ru" / "LC_MESSAGES" / f"{domain}.po" for domain in ("django", "djangojs")]


def fill() -> list[str]:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "makemessages", "-l", "ru", "-l", "en", "--no-obsolete", *IGNORE], check=True, cwd=ROOT)
    subprocess.run([*manage, "makemessages", "-d", "djangojs", "-l", "ru", "-l", "en", "--no-obsolete", *IGNORE],
                   check=True, cwd=ROOT)
    translations = load_translations()
    missing = []
    for path in catalogues():
        if not path.exists():  # no strings of that domain yet
            continue
        po = polib.pofile(str(path))
        po.metadata["Plural-Forms"] = (
            "nplurals=4; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) "
            "? 1 : n%10==0 || (n%10>=5 && n%10<=9) || (n%100>=11 && n%100<=14)? 2 : 3);"
        )
        po.metadata["Language"] = "ru"
        po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        for entry in po:
            value = translations.get(entry.msgid)
            if entry.msgid_plural:
                if isinstance(value, list) and value:
                    forms = (value + [value[-1]] * 4)[:4]
                    entry.msgstr_plural = dict(enumerate(forms))
            elif isinstance(value, str) and value:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            if not translated(entry):
                missing.append(f"{path.name}: {entry.msgid!r}")
        po.save(str(path))
    subprocess.run([*manage, "compilemessages", "--ignore=.venv", "--ignore=node_modules"], check=True, cwd=ROOT)
    return missing


def translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def check() -> list[str]:
    problems = []
    for path in catalogues():
        if not path.exists():
            if path.stem == "django":
                problems.append(f"{path} is missing")
            continue
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            if not translated(entry) or "fuzzy" in entry.flags:
                problems.append(f"{path.name}: {entry.msgid!r}")
    return problems


if __name__ == "__main__":
    problems = check() if "--check" in sys.argv else fill()
    for line in problems:
        print("untranslated:", line)
    sys.exit(1 if problems else 0)
