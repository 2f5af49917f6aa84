from django.urls import path

from roundtable.enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("autocomplete/enterprises/", views.autocomplete, name="autocomplete"),
]
