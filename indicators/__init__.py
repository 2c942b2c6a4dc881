"""Outcome indicators: patient, team and caseload summaries, dashboards and the summaries API."""
