"""Admin: browsing and small fixes. Changes that matter go through workshops.services,
like everywhere else (e.g. revoking join links)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AgendaItem, BreakoutGroup, BreakoutRound, GroupMembership, JoinLink, Session, Workshop


class SessionInline(admin.TabularInline):
    model = Session
    fields = ["order", "title", "starts_at", "ends_at", "builds_on"]
    extra = 0


@admin.register(Workshop)
class WorkshopAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "organiser", "created_by", "home_timezone", "created_at"]
    search_fields = ["title", "slug"]
    filter_horizontal = ["co_facilitators"]
    inlines = [SessionInline]


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    fields = ["order", "kind", "title", "planned_minutes"]
    extra = 0


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "workshop", "order", "starts_at", "groups_open"]
    list_filter = ["workshop"]
    # Live state changes through the console (workshops.services publishes it), not here.
    readonly_fields = ["uuid", "current_item", "groups_open", "timer_ends_at", "timer_label", "message_text",
                       "message_from", "message_at"]
    inlines = [AgendaInline]


@admin.register(JoinLink)
class JoinLinkAdmin(admin.ModelAdmin):
    list_display = ["code", "session", "role", "expires_at", "revoked_at"]
    list_filter = ["role"]
    readonly_fields = ["token", "code", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected join links"))
    def revoke(self, request, queryset):
        for link in queryset:
            services.revoke_join_link(link=link)


class GroupInline(admin.TabularInline):
    model = BreakoutGroup
    fields = ["order", "name", "video_url"]
    extra = 0


@admin.register(BreakoutRound)
class BreakoutRoundAdmin(admin.ModelAdmin):
    list_display = ["session", "strategy", "agenda_item", "opened_at", "closed_at"]
    readonly_fields = ["opened_at", "closed_at"]
    inlines = [GroupInline]


@admin.register(GroupMembership)
class GroupMembershipAdmin(admin.ModelAdmin):
    list_display = ["participant", "group", "round", "is_rapporteur"]
    list_select_related = ["participant", "group", "round__session"]
