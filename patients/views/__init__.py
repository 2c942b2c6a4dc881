"""HTML pages of the patients app: the landing page, the clinician workspace, the patient portal."""
