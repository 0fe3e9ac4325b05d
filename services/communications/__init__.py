"""Communications and service contacts (DESIGN §2 "Communications and service").

Public functions other domains call:
- `notify(member_id, subject, content, now, using_db=conn)`: a system NOTIFICATION.
Cases live in `services.cases`, dashboard figures in `services.insights`.
"""

from services.communications.contacts import (
    CommunicationEntry,
    log_communication,
    notification,
    notify,
)
from services.communications.sending import Broadcast, SendResult, send_communication, sends

__all__ = [
    "Broadcast",
    "CommunicationEntry",
    "SendResult",
    "log_communication",
    "notification",
    "notify",
    "send_communication",
    "sends",
]
