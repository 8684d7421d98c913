from django.urls import path

from transition.views import engagement

app_name = "engagements"

urlpatterns = [
    path("<uuid:public_id>/", engagement.engagement_detail, name="detail"),
]
