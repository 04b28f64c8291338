"""Read-only admin for boards: every change must go through mapping.services.apply_op
(so it is logged and broadcast), which the admin's forms would bypass. Staff change
boards on the board screen; here they look and audit."""

from django.contrib import admin

from .models import Board, BoardEvent, Note


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Board)
class BoardAdmin(ReadOnly):
    list_display = ("title", "session", "group", "template", "author_mode", "locked", "read_only_input", "head_seq")
    list_filter = ("template", "author_mode", "locked")
    list_select_related = ("session", "group")
    search_fields = ("title",)


@admin.register(Note)
class NoteAdmin(ReadOnly):
    list_display = ("text", "board", "category", "author", "private", "deleted_at", "created_at")
    list_filter = ("private",)
    list_select_related = ("board", "category", "author")
    search_fields = ("text",)


@admin.register(BoardEvent)
class BoardEventAdmin(ReadOnly):
    list_display = ("board", "seq", "op", "op_id", "actor_participant", "actor_user", "created_at")
    list_filter = ("op",)
    list_select_related = ("board", "actor_participant", "actor_user")
