"""Communications and service contacts (DESIGN §2 "Communications and service").

Public functions other domains call:
- `notify(member_id, subject, content, now, using_db=conn)`: a system NOTIFICATION.
Cases live in `services.cases`, dashboard figures in `services.insights`.
"""

from services.communications.contacts import (
    CommunicationEntry,
    log_communication,
    notice_channel,
    notification,
    notify,
)
from services.communications.sending import (
    CONSENT_FIELDS,
    Broadcast,
    SendResult,
    insert_messages,
    send_communication,
    sends,
)

__all__ = [
    "Broadcast",
    "CONSENT_FIELDS",
    "CommunicationEntry",
    "SendResult",
    "insert_messages",
    "log_communication",
    "notice_channel",
    "notification",
    "notify",
    "send_communication",
    "sends",
]
