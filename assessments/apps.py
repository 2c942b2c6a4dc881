"""The assessments app: the framework, items, ratings, priorities, goals and markers."""

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Framework, ratings, priorities, goals and markers"
