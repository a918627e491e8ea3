from django.urls import path
from django.views.generic import TemplateView

home = TemplateView.as_view(template_name="home.html")
urlpatterns = [path("", home)]
