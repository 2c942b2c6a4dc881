"""The API's own sign-in: a username and password (and, with two-step sign-in, the app's code)
for a token; DELETE to revoke it."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ssm_outcomes.rest import NamedRulesSerializer, documented

from .models import ApiToken
from .services import api_token_create, api_token_revoke, api_tokens_end
from .two_step import api_code_problem, device_of, two_step_required


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`.")
    name = serializers.CharField(help_text="What the token is for.")
    expires_at = serializers.DateTimeField(help_text="When the token stops working.")


class TokenInput(NamedRulesSerializer):
    username = serializers.CharField(write_only=True)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    otp_code = serializers.CharField(
        required=False,
        write_only=True,
        max_length=12,
        help_text="The 6-digit code from the authenticator app, for accounts with two-step "
        "sign-in (required for administrators).",
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=64,
        help_text="What the token is for, one name per integration (it must not be a name you "
        "already use). Without one, the token is named after the date.",
    )

    def validate(self, attrs):
        user = authenticate(
            request=self.context.get("request"),
            username=attrs["username"],
            password=attrs["password"],
        )
        if not user:
            raise ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]},
                code="authorization",
            )
        if device_of(user) is None and two_step_required(user):
            raise PermissionDenied(
                "administrators must set up two-step sign-in in the browser before using the API"
            )
        if problem := api_code_problem(user=user, code=attrs.get("otp_code")):
            raise ValidationError({"otp_code": [problem]})
        attrs["user"] = user
        return attrs


class TokenView(APIView):
    """Exchange a username and password (and, with two-step sign-in, the code from the app) for
    an API token; DELETE revokes the token the call is made with (with a session: all of the
    caller's tokens)."""

    def get_permissions(self):
        # Signing in needs no credentials; revoking needs the ones to revoke, and without them
        # is refused as any other request is (401, a detail, WWW-Authenticate: Token).
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(request=TokenInput, responses={200: TokenOutput}, auth=[])
    def post(self, request):
        serializer = TokenInput(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        try:
            token, key = api_token_create(
                user=serializer.validated_data["user"],
                name=serializer.validated_data.get("name", ""),
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response(
            TokenOutput({"token": key, "name": token.name, "expires_at": token.expires_at}).data
        )

    @extend_schema(responses={204: None, **documented(401)})
    def delete(self, request):
        if isinstance(request.auth, ApiToken):
            api_token_revoke(user=request.user, token_id=request.auth.pk)
        else:
            api_tokens_end(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
