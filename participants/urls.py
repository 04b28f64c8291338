from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("code/", views.join_code, name="join_code"),
    path("r/<str:token>/", views.rejoin, name="rejoin"),
    path("s/<uuid:uuid>/profile/", views.profile, name="profile"),
    path("<str:token>/", views.join_link, name="join"),
]
