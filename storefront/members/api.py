"""Shopper API: members. Login from WeChat or Alipay, token refresh and logout, the
member's profile, avatar, consents, phone binding, addresses, data export and deletion.
Every `me/...` path acts on the caller only; another member's address id answers 404."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client import client_ip
from config.errors import NotFound
from config.pagination import PagePagination
from storefront.members import addresses as members_addresses
from storefront.members import avatar as members_avatar
from storefront.members import privacy as members_privacy
from storefront.members import selectors, services
from storefront.members.serializers import (
    AddressSerializer,
    AvatarInputSerializer,
    ConsentInputSerializer,
    DeleteInputSerializer,
    LoginInputSerializer,
    LoginOutputSerializer,
    PhoneInputSerializer,
    PhoneOutputSerializer,
    ProfileSerializer,
    ProfileUpdateSerializer,
    TokenSerializer,
)
from storefront.throttles import LoginCodeThrottle, LoginIPThrottle, ShopperWriteThrottle, UploadThrottle

AUTH_TAG = ["auth"]
ME_TAG = ["me"]


def _error(description):
    """An error answer in the schema: the shared error body, with the codes it may carry."""
    return OpenApiResponse(response={"$ref": "#/components/schemas/Error"}, description=description)


def _profile_context(request, member, **extra):
    return {
        "request": request,
        "consents": selectors.consent_status_of(member),
        "platforms": selectors.platforms_of(member),
        **extra,
    }


def _profile_response(request, member, status_code=status.HTTP_200_OK):
    return Response(ProfileSerializer(member, context=_profile_context(request, member)).data, status=status_code)


# --- auth ------------------------------------------------------------------------------------
class PlatformLoginView(APIView):
    platform = ""
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginCodeThrottle]

    def post(self, request):
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = services.login_with_platform(platform=self.platform, **data.validated_data)
        body = {
            "token": outcome.token,
            "expires_at": outcome.expires_at,
            "is_new": outcome.is_new,
            "member": outcome.member,
        }
        return Response(LoginOutputSerializer(body).data)


_LOGIN_ERRORS = {
    400: _error("`invalid_login_code`: used, expired or forged code; `invalid_input`."),
    403: _error("`account_closed`: the member was deactivated."),
    429: _error("`rate_limited`: too many logins from this IP or with this code."),
    503: _error("`platform_unavailable`: the platform did not answer; retry."),
}


def _login_schema(operation_id, summary):
    return extend_schema_view(
        post=extend_schema(
            tags=AUTH_TAG,
            operation_id=operation_id,
            summary=summary,
            request=LoginInputSerializer,
            responses={200: LoginOutputSerializer, **_LOGIN_ERRORS},
        )
    )


@_login_schema("auth_wechat", "Log in with the code of wx.login")
class WeChatLoginView(PlatformLoginView):
    platform = "wechat"


@_login_schema("auth_alipay", "Log in with the code of my.getAuthCode")
class AlipayLoginView(PlatformLoginView):
    platform = "alipay"


class RefreshTokenView(APIView):
    @extend_schema(
        tags=AUTH_TAG,
        summary="Swap the current token for a new one (the current one is revoked)",
        request=None,
        responses={200: TokenSerializer},
    )
    def post(self, request):
        token, expires_at = services.refresh_token(member=request.user, current_token=request.auth)
        return Response(TokenSerializer({"token": token, "expires_at": expires_at}).data)


class LogoutView(APIView):
    @extend_schema(tags=AUTH_TAG, summary="Revoke the current token", request=None, responses={204: None})
    def post(self, request):
        services.logout(current_token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- me --------------------------------------------------------------------------------------
class ProfileView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(tags=ME_TAG, summary="The member's profile", responses={200: ProfileSerializer})
    def get(self, request):
        return _profile_response(request, request.user)

    @extend_schema(
        tags=ME_TAG,
        summary="Change nickname (checked by the platform), birthday or gender",
        request=ProfileUpdateSerializer,
        responses={
            200: ProfileSerializer,
            400: _error("`content_risky`: the nickname failed the content check; `invalid_input`."),
            409: _error("`app_login_required`: the member never logged in to this mini program."),
            503: _error("`platform_unavailable`: the content check did not answer."),
        },
    )
    def patch(self, request):
        data = ProfileUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        member = services.update_profile(member=request.user, changes=data.validated_data)
        return _profile_response(request, member)


class AvatarView(APIView):
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UploadThrottle]

    @extend_schema(
        tags=ME_TAG,
        summary="Upload an avatar (multipart field `avatar`)",
        request={"multipart/form-data": AvatarInputSerializer},
        responses={
            200: ProfileSerializer,
            400: _error("`invalid_image` (not JPEG/PNG/WebP) or `image_too_large` (bytes or pixels)."),
        },
    )
    def post(self, request):
        data = AvatarInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = members_avatar.set_avatar(member=request.user, upload=data.validated_data["avatar"])
        return _profile_response(request, member)


class ConsentsView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=ME_TAG,
        summary="Accept the current privacy policy and/or set marketing consent",
        request=ConsentInputSerializer,
        responses={200: ProfileSerializer},
    )
    def post(self, request):
        data = ConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.record_consents(member=request.user, **data.validated_data)
        return _profile_response(request, request.user)


class PhoneView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=ME_TAG,
        summary="Bind the verified phone number (merges with the member who already has it)",
        description=(
            "WeChat sends `code` from the getPhoneNumber button, Alipay the encrypted `response` of "
            "my.getPhoneNumber. When the number belongs to another member, the two become one (the older "
            "member survives); if the caller was the newer one, `merged` is true and `token` holds the "
            "token to use from now on (the caller's old token is revoked)."
        ),
        request=PhoneInputSerializer,
        responses={
            200: PhoneOutputSerializer,
            400: _error("`invalid_phone_code` or `invalid_input`."),
            409: _error("`phone_in_use`: the number belongs to a staff account."),
            503: _error("`platform_unavailable`."),
        },
    )
    def post(self, request):
        data = PhoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data.get("code"):
            outcome = services.bind_phone(member=request.user, platform="wechat", code=data.validated_data["code"])
        else:
            outcome = services.bind_phone(
                member=request.user, platform="alipay", encrypted_response=data.validated_data["response"]
            )
        context = _profile_context(request, outcome.member, outcome=outcome)
        return Response(PhoneOutputSerializer(outcome.member, context=context).data)


# --- addresses ---------------------------------------------------------------------------------
class AddressListView(generics.ListCreateAPIView):
    serializer_class = AddressSerializer
    throttle_classes = [ShopperWriteThrottle]
    pagination_class = PagePagination

    def get_queryset(self):
        return selectors.addresses_of(self.request.user)

    @extend_schema(tags=ME_TAG, summary="The member's addresses, default first")
    def get(self, request):
        return self.list(request)

    @extend_schema(
        tags=ME_TAG,
        summary="Add an address (the first one becomes the default)",
        request=AddressSerializer,
        responses={201: AddressSerializer, 400: _error("`too_many_addresses` or `invalid_input`.")},
    )
    def post(self, request):
        data = AddressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        address = members_addresses.create_address(member=request.user, data=data.validated_data)
        return Response(AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressDetailView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(tags=ME_TAG, summary="One of the member's addresses", responses={200: AddressSerializer})
    def get(self, request, address_id):
        address = selectors.address_of(request.user, address_id)
        if address is None:
            raise NotFound("No such address.")
        return Response(AddressSerializer(address).data)

    @extend_schema(
        tags=ME_TAG,
        summary="Change an address; is_default true makes it the default",
        request=AddressSerializer,
        responses={200: AddressSerializer},
    )
    def patch(self, request, address_id):
        data = AddressSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        address = members_addresses.update_address(member=request.user, address_id=address_id, data=data.validated_data)
        return Response(AddressSerializer(address).data)

    @extend_schema(
        tags=ME_TAG,
        summary="Delete an address (a deleted default passes to the most recent other one)",
        responses={204: None},
    )
    def delete(self, request, address_id):
        members_addresses.delete_address(member=request.user, address_id=address_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- personal data -------------------------------------------------------------------------------
class ExportView(APIView):
    @extend_schema(
        tags=ME_TAG,
        summary="Everything the store holds about the member, as JSON",
        description=(
            "Sections: profile, source, identities, addresses, consents, orders, merges, data_requests, plus "
            "the sections other parts of the store register (points, campaign entries, ...). Each export is logged."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(members_privacy.export_personal_data(member=request.user, ip=client_ip(request)))


class DeleteView(APIView):
    throttle_classes = [ShopperWriteThrottle]

    @extend_schema(
        tags=ME_TAG,
        summary="Delete the member's personal data and close the account (irreversible)",
        description=(
            "Erases identities, phone, addresses, consents and profile (avatar file included), blanks the "
            "personal fields of orders kept for accounting, revokes every token and closes the account."
        ),
        request=DeleteInputSerializer,
        responses={
            204: None,
            400: _error("`confirmation_required`: confirm was not true."),
        },
    )
    def post(self, request):
        data = DeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        members_privacy.erase_member(member=request.user, confirm=data.validated_data["confirm"], ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("auth/wechat/", WeChatLoginView.as_view(), name="auth-wechat"),
    path("auth/alipay/", AlipayLoginView.as_view(), name="auth-alipay"),
    path("auth/refresh/", RefreshTokenView.as_view(), name="auth-refresh"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("me/", ProfileView.as_view(), name="me"),
    path("me/avatar/", AvatarView.as_view(), name="me-avatar"),
    path("me/consents/", ConsentsView.as_view(), name="me-consents"),
    path("me/phone/", PhoneView.as_view(), name="me-phone"),
    path("me/addresses/", AddressListView.as_view(), name="me-addresses"),
    path("me/addresses/<int:address_id>/", AddressDetailView.as_view(), name="me-address"),
    path("me/export/", ExportView.as_view(), name="me-export"),
    path("me/delete/", DeleteView.as_view(), name="me-delete"),
]
