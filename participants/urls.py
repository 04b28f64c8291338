from django.urls import path

from . import views

app_name = "participants"

urlpatterns = [
    path("code/", views.join_code, name="join_code"),
]
