from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from academy import services
from academy.api.base import request_user
from academy.api.serializers import MeInputSerializer, MeOutputSerializer


class MeView(APIView):
    """The signed-in person's own profile."""

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeOutputSerializer(request.user).data)

    @extend_schema(request=MeInputSerializer, responses=MeOutputSerializer)
    def patch(self, request: Request) -> Response:
        serializer = MeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_profile_update(user=request_user(request), **serializer.validated_data)
        return Response(MeOutputSerializer(user).data)
