"""What the shared request machinery announces, for the apps to act on.

- ``access_refused(request=…, status=…, patient_id=…)``: a request was answered 401, 403 or 404
  (the page handlers and the API's exception handler send it). ``patients.audit`` writes it to
  the audit log; ``patient_id`` is the id in the address when there was one, as given.
"""

from django.dispatch import Signal

access_refused = Signal()
