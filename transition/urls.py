from django.urls import path

from transition import views

app_name = "engagements"

urlpatterns = [
    path("<uuid:public_id>/", views.engagement_detail, name="detail"),
]
