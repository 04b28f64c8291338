from django.contrib import admin

from .models import Attendance, Participant


class AttendanceInline(admin.TabularInline):
    model = Attendance
    fields = ["session", "joined_at", "last_seen_at"]
    readonly_fields = ["joined_at", "last_seen_at"]
    extra = 0


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["display_name", "workshop", "country", "stakeholder", "role", "language"]
    list_filter = ["workshop", "country", "stakeholder", "role"]
    search_fields = ["display_name", "organisation"]
    readonly_fields = ["uuid", "rejoin_token", "consent_at", "created_at"]
    inlines = [AttendanceInline]
