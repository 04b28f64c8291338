from django.urls import path

from . import views

app_name = "mapping"

urlpatterns = [
    path("<int:board_id>/", views.board_page, name="board"),
    path("<int:board_id>/ops/", views.board_op, name="op"),
    path("<int:board_id>/snapshot/", views.board_snapshot, name="snapshot"),
    path("synthesis/<uuid:session_uuid>/", views.synthesis_page, name="synthesis"),
    path("plenary/<uuid:session_uuid>/", views.plenary_page, name="plenary"),
    path("new/<uuid:session_uuid>/", views.board_create, name="create"),
]
