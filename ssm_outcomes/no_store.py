"""Keeping every dynamic response out of browser and proxy caches: any of them may carry health
data (a record, a caseload, the portal, a dashboard, a CSV, an API or FHIR answer, an error page
that names a patient's address)."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Every response that reaches it goes out with ``Cache-Control: no-store`` and the rest of
    Django's ``never_cache`` headers (``max-age=0, no-cache, must-revalidate, private`` and an
    ``Expires`` of now), so a shared computer keeps no copy of a page to show after sign-out and
    no proxy stores one. The headers are merged, so a ``never_cache`` view's own are unchanged.

    It sits below WhiteNoise, which answers static files itself, so those keep their long cache
    lifetimes; and above everything else, so error pages and refused input are covered too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
