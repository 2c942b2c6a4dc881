"""What the care records announce when they change, for the layers above to act on.

The records do not know who keeps summaries of them: ``indicators.freshness`` listens. Both
signals are sent inside the writing transaction, so whatever a receiver writes commits or rolls
back with the change itself.

- ``records_changed(patient_id=…)``: something that feeds a patient's summaries was saved (an
  encounter, a rating, priorities, a goal or its review, a reading, a target, a life event).
- ``teams_changed(patient_id=…, left_team_ids=…)``: a patient joined or left teams.
- ``reminder_lines(patient=…, appointment=…)``: an appointment reminder is being written; each
  receiver returns a list of lines for it (``assessments.reminder_lines``: questionnaires to
  answer before the appointment). Sent robustly: a receiver that fails leaves its lines out,
  never the reminder.
"""

from django.dispatch import Signal

records_changed = Signal()
teams_changed = Signal()
reminder_lines = Signal()
