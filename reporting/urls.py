from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("<uuid:review_id>/", views.review_detail, name="review"),
    path("<uuid:review_id>/measurements/", views.measure, name="record-measurement"),
    path(
        "<uuid:review_id>/results/<uuid:result_id>/explain/",
        views.explain_miss,
        name="explain-miss",
    ),
    path("<uuid:review_id>/day-90/", views.answer_day_90, name="answer-day-90"),
    path("<uuid:review_id>/refresh/", views.refresh, name="refresh"),
    path("<uuid:review_id>/publish/", views.publish, name="publish"),
]
