from django.urls import path

from transition.views import portfolio

app_name = "work"

urlpatterns = [
    path("", portfolio.my_work, name="mine"),
]
