"""The root address: it sends each role to its home page (see accounts/views/account.py)."""

from django.urls import path

from .views.account import home

urlpatterns = [path("", home, name="home")]
