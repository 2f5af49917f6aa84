from django.urls import path

from roundtable.webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint_list"),
    path("new/", views.endpoint_create, name="endpoint_create"),
    path("<int:pk>/", views.endpoint_edit, name="endpoint_edit"),
    path("<int:pk>/deactivate", views.endpoint_deactivate, name="endpoint_deactivate"),
    path("<int:pk>/secret", views.endpoint_new_secret, name="endpoint_new_secret"),
    path("<int:pk>/deliveries/", views.delivery_list, name="delivery_list"),
]
