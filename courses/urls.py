from django.urls import path

from courses.views import assignments, authoring, learner

app_name = "courses"

urlpatterns = [
    path("", learner.catalogue, name="catalogue"),
    path("my/", learner.my_learning, name="my_learning"),
    path("paths/", learner.path_list, name="paths"),
    path("paths/<slug:slug>/", learner.path_detail, name="path"),
    path("paths/<slug:slug>/enrol/", learner.path_enrol, name="path_enrol"),
    path("certificates/<str:code>/", learner.certificate_detail, name="certificate"),
    path("certificates/<str:code>/pdf/", learner.certificate_download, name="certificate_pdf"),
    path("certificates/<str:code>/renew/", learner.certificate_renew, name="certificate_renew"),
    path("verify/", learner.verify_form, name="verify_form"),
    path("verify/<str:code>/", learner.verify, name="verify"),
    # Managers and team leads
    path("assignments/", assignments.assignment_list, name="assignments"),
    path("assignments/new/", assignments.assignment_new, name="assignment_new"),
    path("assignments/<int:pk>/", assignments.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/cancel/", assignments.assignment_cancel, name="assignment_cancel"),
    path("assignments/teams/<int:pk>/", assignments.team_training, name="team"),
    # Trainers
    path("authoring/", authoring.authoring_home, name="authoring"),
    path("authoring/new/", authoring.course_new, name="course_new"),
    path("authoring/paths/new/", authoring.path_new, name="path_new"),
    path("authoring/paths/<slug:slug>/", authoring.path_edit, name="path_edit"),
    path("authoring/paths/<slug:slug>/courses/", authoring.path_courses, name="path_courses"),
    path("authoring/paths/<slug:slug>/publish/", authoring.path_publish, name="path_publish"),
    path("authoring/paths/<slug:slug>/archive/", authoring.path_archive, name="path_archive"),
    path("authoring/modules/<int:pk>/", authoring.module_edit, name="module_edit"),
    path("authoring/modules/<int:pk>/delete/", authoring.module_delete, name="module_delete"),
    path("authoring/modules/<int:pk>/move/", authoring.module_move, name="module_move"),
    path("authoring/modules/<int:pk>/lessons/new/", authoring.lesson_new, name="lesson_new"),
    path("authoring/lessons/<int:pk>/", authoring.lesson_edit, name="lesson_edit"),
    path("authoring/lessons/<int:pk>/quiz/", authoring.quiz_settings, name="quiz_settings"),
    path("authoring/lessons/<int:pk>/delete/", authoring.lesson_delete, name="lesson_delete"),
    path("authoring/lessons/<int:pk>/move/", authoring.lesson_move, name="lesson_move"),
    path("authoring/lessons/<int:pk>/questions/new/", authoring.question_new, name="question_new"),
    path("authoring/questions/<int:pk>/", authoring.question_edit, name="question_edit"),
    path("authoring/questions/<int:pk>/delete/", authoring.question_delete, name="question_delete"),
    path("authoring/questions/<int:pk>/move/", authoring.question_move, name="question_move"),
    path("authoring/<slug:slug>/", authoring.course_edit, name="course_edit"),
    path("authoring/<slug:slug>/publish/", authoring.course_publish, name="course_publish"),
    path("authoring/<slug:slug>/archive/", authoring.course_archive, name="course_archive"),
    path("authoring/<slug:slug>/modules/new/", authoring.module_new, name="module_new"),
    # Course pages come last: their address is the course's slug.
    path("<slug:slug>/", learner.course_detail, name="course"),
    path("<slug:slug>/enrol/", learner.course_enrol, name="course_enrol"),
    path("<slug:slug>/cover/", learner.course_cover, name="course_cover"),
    path("<slug:slug>/results/", authoring.course_results, name="course_results"),
    path("<slug:slug>/lessons/<int:pk>/", learner.lesson_detail, name="lesson"),
    path("<slug:slug>/lessons/<int:pk>/complete/", learner.lesson_complete, name="lesson_complete"),
    path("<slug:slug>/lessons/<int:pk>/file/", learner.lesson_file, name="lesson_file"),
]
