from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("w/<int:workshop_id>/", views.workshop_reports, name="workshop"),
    path("w/<int:workshop_id>/generate/", views.generate, name="generate"),
    path("w/<int:workshop_id>/sections/<slug:key>/", views.save_section, name="section"),
    path("w/<int:workshop_id>/exports/", views.start_export, name="start_export"),
    path("exports/<int:export_id>/status/", views.status, name="status"),
    path("exports/<int:export_id>/download/", views.download, name="download"),
    path("boards/<int:board_id>/map.svg", views.board_picture, {"ext": "svg"}, name="board_svg"),
    path("boards/<int:board_id>/map.png", views.board_picture, {"ext": "png"}, name="board_png"),
]
