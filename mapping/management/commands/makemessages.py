from django.core.management.commands import makemessages


class Command(makemessages.Command):
    """makemessages that also extracts the board modules' short alias `t("...")`
    (static/js/board-ui.js: `t = window.gettext`), so their strings reach the catalogue."""

    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=t"]
