from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("", views.workshop_list, name="list"),
    path("new/", views.workshop_edit, name="create"),
    path("<slug:slug>/", views.workshop_detail, name="detail"),
    path("<slug:slug>/edit/", views.workshop_edit, name="edit"),
    path("<slug:slug>/sessions/new/", views.session_edit, name="session_create"),
    path("<slug:slug>/sessions/<uuid:uuid>/edit/", views.session_edit, name="session_edit"),
    path("s/<uuid:uuid>/", views.session_detail, name="session"),
    path("s/<uuid:uuid>/agenda/new/", views.agenda_item_edit, name="agenda_create"),
    path("s/<uuid:uuid>/agenda/<int:pk>/", views.agenda_item_edit, name="agenda_edit"),
    path("s/<uuid:uuid>/agenda/<int:pk>/delete/", views.agenda_item_delete, name="agenda_delete"),
    path("s/<uuid:uuid>/agenda/<int:pk>/move/", views.agenda_item_move, name="agenda_move"),
    path("s/<uuid:uuid>/links/new/", views.join_link_create, name="link_create"),
    path("s/<uuid:uuid>/links/<int:pk>/revoke/", views.join_link_revoke, name="link_revoke"),
    path("s/<uuid:uuid>/links/<int:pk>/qr.svg", views.join_qr, name="link_qr"),
    path("s/<uuid:uuid>/console/", views.console, name="console"),
    path("s/<uuid:uuid>/console/panel/", views.console_panel, name="console_panel"),
    path("s/<uuid:uuid>/rounds/new/", views.round_create, name="round_create"),
    path("s/<uuid:uuid>/groups/<int:pk>/", views.group_edit, name="group_edit"),
    path("s/<uuid:uuid>/room/", views.room, name="room"),
]
