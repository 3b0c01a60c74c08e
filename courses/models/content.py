import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from academy.models import BaseModel
from courses.storage import cover_upload_to, lesson_file_upload_to, private_storage
from courses.video import embed_url
from distributors.audience import Audience

# Course pages live at /courses/<slug>/ next to these fixed pages.
RESERVED_SLUGS = frozenset(
    {"my", "paths", "certificates", "verify", "assignments", "authoring", "new", "api", "static", "media"}
)


def validate_course_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("This address is reserved; choose another one."), code="reserved")


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Category(BaseModel):
    """A product line or subject (diagnostic kits, water analysis, sales...)."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_fr = models.CharField(_("name in French"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_fr


class Course(BaseModel, Audience):
    """A course: modules of ordered lessons, authored by its owner and trainers.

    The French and English versions of one course share a ``translation_group``.
    ``version`` is the major version: publishing a new one may require holders
    of a certificate on an older version to recertify.
    """

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address"), max_length=80, unique=True, validators=[validate_course_slug])
    summary = models.TextField(_("summary"), blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.BEGINNER)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("category"),
    )
    estimated_minutes = models.PositiveIntegerField(_("estimated time (minutes)"), default=30)
    cover = models.ImageField(
        _("cover image"), upload_to=cover_upload_to, storage=private_storage, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    validity_months = models.PositiveSmallIntegerField(
        _("certificate validity (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Leave empty when the certificate never expires."),
    )
    self_enrolment = models.BooleanField(
        _("open to self-enrolment"),
        default=True,
        help_text=_("Untick when people may only follow this course when it is assigned to them."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_courses",
        verbose_name=_("owner"),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="taught_courses",
        verbose_name=_("co-authors"),
        limit_choices_to={"role__in": ["trainer", "admin"]},
    )
    translation_group = models.UUIDField(_("translation group"), default=uuid.uuid4, db_index=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["translation_group", "language"], name="course_one_version_per_language"
            ),
            models.CheckConstraint(
                condition=models.Q(validity_months__isnull=True) | models.Q(validity_months__gte=1),
                name="course_validity_positive",
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="course_version_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "language"]),
            models.Index(fields=["status", "level"]),
            models.Index(fields=["status", "category"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED


class CourseVersion(BaseModel):
    """One publication of a major version of a course (its history)."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="versions", verbose_name=_("course")
    )
    number = models.PositiveIntegerField(_("version"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    notes = models.TextField(_("what changed"), blank=True)
    requires_recertification = models.BooleanField(_("recertification required"), default=False)

    class Meta:
        verbose_name = _("course version")
        verbose_name_plural = _("course versions")
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="course_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.course} v{self.number}"


class Module(BaseModel):
    """An ordered part of a course."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="modules", verbose_name=_("course")
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "position", "id"]
        indexes = [models.Index(fields=["course", "position"])]

    def __str__(self) -> str:
        return self.title


class LessonKind(models.TextChoices):
    TEXT = "text", _("Text")
    VIDEO = "video", _("Video")
    DOCUMENT = "document", _("Document")
    QUIZ = "quiz", _("Quiz")


class Lesson(BaseModel):
    """An ordered step of a module.

    Text lessons hold Markdown (rendered and sanitised when shown). Video
    lessons hold a link to an embeddable provider or an uploaded file, a
    transcript and an optional lighter download. Document lessons hold an
    uploaded file (type and size checked by the services). Quiz lessons have a
    ``quiz``.
    """

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module")
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=LessonKind.choices, default=LessonKind.TEXT)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_required = models.BooleanField(
        _("required"), default=True, help_text=_("Required lessons count towards completion.")
    )
    estimated_minutes = models.PositiveIntegerField(_("estimated time (minutes)"), default=5)
    body = models.TextField(
        _("text"), blank=True, help_text=_("Markdown. For videos, documents and quizzes: an introduction.")
    )
    video_url = models.URLField(_("video link"), blank=True)
    video_file = models.FileField(
        _("video file"), upload_to=lesson_file_upload_to, storage=private_storage, blank=True
    )
    video_download_url = models.URLField(
        _("download link"),
        blank=True,
        help_text=_("A lighter copy learners on slow connections can download."),
    )
    transcript = models.TextField(_("transcript"), blank=True)
    document_file = models.FileField(
        _("document"), upload_to=lesson_file_upload_to, storage=private_storage, blank=True
    )
    document_name = models.CharField(_("document name"), max_length=200, blank=True)
    document_content_type = models.CharField(_("document type"), max_length=120, blank=True)
    document_size = models.PositiveIntegerField(_("document size (bytes)"), default=0)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["module", "position", "id"]
        indexes = [models.Index(fields=["module", "position"])]

    def __str__(self) -> str:
        return self.title

    @property
    def course(self) -> Course:
        return self.module.course

    @property
    def video_embed_url(self) -> str:
        return embed_url(self.video_url) or "" if self.video_url else ""
