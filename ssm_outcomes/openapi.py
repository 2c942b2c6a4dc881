"""OpenAPI generation: the project's schema class (kept apart from ssm_outcomes.rest, which DRF
loads while drf-spectacular's own module is still importing)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from .rest import ERROR_RESPONSES, ErrorOutput


class AutoSchema(SpectacularAutoSchema):
    """Documents on every operation the errors the shared plumbing can give."""

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        codes = [401, 403, 404]
        if self.method in {"POST", "PUT", "PATCH"} or self._has_query_params():
            codes.append(400)
        for code in codes:
            if str(code) not in bodies:
                bodies[str(code)] = self._get_response_for_code(
                    ERROR_RESPONSES[code].response or ErrorOutput,
                    str(code),
                    direction=direction,
                ) | {"description": ERROR_RESPONSES[code].description}
        return bodies

    def _has_query_params(self) -> bool:
        return any(p.get("in") == "query" for p in self._get_parameters())


def restore_fhir_operation_names(result, generator, request, public):
    """drf-spectacular reads "$" in a route as a regex anchor and drops it; FHIR operations such
    as $everything need it back in the documented path."""
    result["paths"] = {
        path.replace("/everything", "/$everything") if "/fhir/" in path else path: item
        for path, item in result["paths"].items()
    }
    return result
