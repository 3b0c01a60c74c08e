"""Reads of the webinars app. Every selector taking the acting user returns
only what that user may see; lists carry their own joins and counts so pages
and API run a fixed number of queries whatever the number of rows.

sessions: sessions, series, registrations, replays, attendance and feedback, the calendar feed
room: who may enter the live room and as what, its missed events, polls and questions
room_state: the room as every connection starts from it, read once per server and shared
measures: what engagement measurement reads (sessions held, attendance, registrations)
"""

from webinars.selectors.measures import (
    attendance_count_by_person,
    attendance_list,
    registration_list_confirmed,
    series_repeating_q,
    sessions_attended_by_distributor,
    sessions_attended_by_person,
    sessions_held,
    sessions_scheduled,
)
from webinars.selectors.replies import (
    REGISTRATION_REF,
    ReplyCounts,
    registration_ref,
    registration_refs,
    session_replies,
    session_reply_counts,
    session_reply_refs,
)
from webinars.selectors.room import (
    ATTENDEE,
    FORBIDDEN,
    NOT_OPEN,
    OBSERVER,
    OTHER_TERRITORY,
    TRAINER,
    TRAINER_EARLY,
    UNAUTHENTICATED,
    UNKNOWN,
    RoomEntry,
    RoomRefusal,
    answered_questions,
    closed_poll_results,
    is_moderator,
    join_is_open,
    join_window,
    last_event_id,
    last_event_position,
    open_poll_results,
    poll_list,
    poll_results,
    present_count,
    present_list,
    room_entry,
    room_events_after,
    room_log_after,
    seq_of_event_id,
)
from webinars.selectors.room_state import (
    RoomState,
    room_snapshot,
    room_state,
    room_state_forget,
    room_state_read,
    snapshot_for,
)
from webinars.selectors.sessions import (
    FeedbackSummary,
    attendance_by_distributor_month,
    attendance_intervals_list,
    attendance_last_month,
    attendance_list_mine,
    calendar_feed,
    feedback_list,
    feedback_summary,
    material_get,
    registrant_list,
    registration_list_mine,
    registration_mine,
    replay_list,
    series_get,
    series_list,
    session_get,
    session_get_hosted,
    session_list,
    session_list_hosted,
    session_visible_queryset,
)
