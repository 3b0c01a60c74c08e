from django.urls import path

from courses.api import views

urlpatterns = [
    path("courses/", views.CatalogueView.as_view(), name="courses-list"),
    path("courses/<slug:slug>/", views.CourseDetailView.as_view(), name="courses-detail"),
    path("courses/<slug:slug>/enrol/", views.CourseEnrolView.as_view(), name="courses-enrol"),
    path("courses/<slug:slug>/results/", views.CourseResultsView.as_view(), name="courses-results"),
    path("lessons/<int:pk>/", views.LessonDetailView.as_view(), name="courses-lesson"),
    path("lessons/<int:pk>/complete/", views.LessonCompleteView.as_view(), name="courses-lesson-complete"),
    path("lessons/<int:pk>/attempts/", views.LessonAttemptsView.as_view(), name="courses-lesson-attempts"),
    path("quiz-attempts/<int:pk>/", views.AttemptDetailView.as_view(), name="courses-attempt"),
    path("quiz-attempts/<int:pk>/submit/", views.AttemptSubmitView.as_view(), name="courses-attempt-submit"),
    path("enrolments/", views.EnrollmentListView.as_view(), name="courses-enrolment-list"),
    path("enrolments/<int:pk>/", views.EnrollmentDetailView.as_view(), name="courses-enrolment-detail"),
    path("certificates/", views.CertificateListView.as_view(), name="courses-certificate-list"),
    path(
        "certificates/verify/<str:code>/",
        views.CertificateVerifyView.as_view(),
        name="courses-certificate-verify",
    ),
    path(
        "certificates/<str:code>/", views.CertificateDetailView.as_view(), name="courses-certificate-detail"
    ),
    path("learning-paths/", views.PathListView.as_view(), name="courses-path-list"),
    path("learning-paths/<slug:slug>/", views.PathDetailView.as_view(), name="courses-path-detail"),
    path("learning-paths/<slug:slug>/enrol/", views.PathEnrolView.as_view(), name="courses-path-enrol"),
    path("assignments/", views.AssignmentListView.as_view(), name="courses-assignment-list"),
    path("assignments/headcount/", views.HeadcountView.as_view(), name="courses-headcount"),
    path("assignments/<int:pk>/", views.AssignmentDetailView.as_view(), name="courses-assignment-detail"),
    path(
        "assignments/<int:pk>/cancel/", views.AssignmentCancelView.as_view(), name="courses-assignment-cancel"
    ),
]
