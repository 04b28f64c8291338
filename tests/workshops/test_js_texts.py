"""Texts the live screens show: every websocket error code a person can meet has words of
its own, looked up by code through gettext (never the server's English message), and
every string our screens pass to gettext has a Russian translation waiting."""

import json
import re
import shutil
import subprocess

import pytest
from django.conf import settings

from realtime.errors import ERROR_CODES

JS = settings.BASE_DIR / "static" / "js"
OUR_MODULES = ["errors.js", "session.js", "room.js", "console.js", "join.js", "tz.js"]

# Loads static/js/errors.js in node with a stand-in catalogue that marks every text it
# translates, and prints what a screen would show for each code.
SCRIPT = """
globalThis.gettext = (s) => "RU:" + s;  // what /jsi18n/ defines on the page (static/js/i18n.js looks it up)
globalThis.window = globalThis;
const m = await import(process.argv[1]);
const out = {};
for (const code of process.argv[2].split(",")) out[code] = m.errorText({ code, message: "english for devs" });
out["(override)"] = m.errorText({ code: "conflict" }, { conflict: "This group is full." });
out["(unknown)"] = m.errorText({ code: "no_such_code" });
out["(none)"] = m.errorText(undefined);
console.log(JSON.stringify({ codes: m.ERROR_CODES, out }));
"""


def run_errors_js() -> dict:
    result = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT, (JS / "errors.js").as_uri(), ",".join(sorted(ERROR_CODES))],
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_every_error_code_has_translated_words_of_its_own_and_screens_may_say_more():
    result = run_errors_js()
    assert sorted(result["codes"]) == sorted(ERROR_CODES)
    out = result["out"]
    assert [code for code in ERROR_CODES if not out[code].startswith("RU:")] == []
    assert [code for code in ERROR_CODES if "english for devs" in out[code]] == []
    assert (out["(override)"], out["(unknown)"], out["(none)"]) == (
        "This group is full.", "RU:That did not work. Try again.", "RU:That did not work. Try again.")
    # Only the client-bug codes share one text; the rest say what happened.
    people_codes = ERROR_CODES - {"bad_json", "bad_frame", "unknown_type", "unknown_op"}
    assert len({out[code] for code in people_codes}) == len(people_codes)


def test_every_string_our_screens_translate_has_a_russian_translation():
    russian: dict[str, str] = {}
    for path in sorted((settings.BASE_DIR / "i18n" / "ru").glob("*.json")):
        russian.update(json.loads(path.read_text(encoding="utf-8")))
    missing = []
    for name in OUR_MODULES:
        source = (JS / name).read_text(encoding="utf-8")
        for msgid in re.findall(r'gettext\(\s*"((?:[^"\\]|\\.)*)"', source):
            if not russian.get(json.loads(f'"{msgid}"')):
                missing.append(f"{name}: {msgid}")
    assert missing == []
