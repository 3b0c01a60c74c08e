"""Writes of the webinars app, one function per use case (re-exported here)."""

from webinars.services.attendance import (
    ImportReport,
    attendance_final_at,
    attendance_finalise,
    attendance_for,
    attendance_import,
    attendance_interval_close,
    attendance_interval_open,
    attendance_mark,
    attendance_recompute,
    attendance_threshold_minutes,
    session_actual_minutes,
)
from webinars.services.attendance_corrections import (
    attendance_interval_add,
    attendance_interval_delete,
    attendance_interval_update,
)
from webinars.services.attendance_sources import (
    WebhookReport,
    attendance_checkin,
    attendance_join_record,
    bbb_attendance_poll,
    bbb_attendance_sync,
    bbb_webhook_receive,
    bbb_webhook_url,
    checkin_code_ensure,
)
from webinars.services.engagement import (
    calendar_token_regenerate,
    calendar_token_revoke,
    feedback_submit,
    preference_get,
    replay_watch,
)
from webinars.services.maintenance import recordings_fetch_recent, sessions_close_overdue
from webinars.services.registrations import (
    registration_cancel,
    registration_create,
    registration_is_open,
    waitlist_promote,
)
from webinars.services.reminders import (
    FOLLOW_UP_KIND,
    REGISTRATION_KIND,
    REMINDER_KIND,
    REMINDER_OUTBOX,
    reminder_key,
    reminders_dispatch,
    reminders_retry,
)
from webinars.services.replies import registration_reply
from webinars.services.room import (
    ANNOUNCEMENT_MAX_LENGTH,
    CHAT_MAX_LENGTH,
    RoomArrival,
    RoomDeparture,
    RoomError,
    announcement_create,
    chat_delete,
    chat_post,
    hand_lower,
    hand_set,
    room_connect,
    room_disconnect,
    room_heartbeat,
    room_mute,
    room_presence_apply,
    room_presence_sweep,
)
from webinars.services.room_polls import (
    MAX_OPTIONS,
    poll_close,
    poll_create,
    poll_delete,
    poll_open,
    poll_vote,
)
from webinars.services.room_questions import (
    MODERATION_ACTIONS,
    QUESTION_MAX_LENGTH,
    question_ask,
    question_moderate,
    question_upvote,
)
from webinars.services.series import (
    series_create,
    series_generate_all,
    series_preview,
    series_sessions_generate,
    series_update,
)
from webinars.services.sessions import (
    SessionEndResult,
    material_add,
    material_remove,
    session_cancel,
    session_create,
    session_end,
    session_join_url,
    session_recording_fetch,
    session_start,
    session_update,
)
