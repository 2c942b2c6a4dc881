"""The Content-Security-Policy: strict on every page of ours, one relaxation for two tools.

Our pages use no inline script and no inline style (charts are drawn with SVG presentation
attributes, never ``style=``), so ``style-src 'self'`` holds for them. Django's admin site and
Swagger UI set inline style attributes that we cannot change; on those paths alone inline styles
are allowed. Scripts stay ``'self'`` everywhere.
"""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts

INLINE_STYLE_PREFIXES = ("/admin/", "/api/v1/docs/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(INLINE_STYLE_PREFIXES):
            parts.update = {**(parts.update or {}), "style-src": [UNSAFE_INLINE]}
        return parts
