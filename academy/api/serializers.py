from django.conf import settings
from rest_framework import serializers

from academy import roles
from academy.api.fields import TimeZoneField
from academy.models import User


class MeOutputSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    country = serializers.CharField(source="country.code")
    phone = serializers.CharField()
    time_zone = TimeZoneField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "language",
            "time_zone",
            "country",
            "phone",
            "roles",
        ]

    def get_roles(self, user: User) -> list[str]:
        return sorted(roles.user_roles(user))


class MeInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    time_zone = TimeZoneField(required=False)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
