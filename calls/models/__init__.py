from calls.models.events import CallEvent, CallIdSequence
from calls.models.pages import (
    CallDocument,
    CallFolderPage,
    CallIndexPage,
    CallPage,
    CallPageTag,
    CallQuestion,
    Sector,
)

__all__ = [
    "CallDocument",
    "CallEvent",
    "CallFolderPage",
    "CallIdSequence",
    "CallIndexPage",
    "CallPage",
    "CallPageTag",
    "CallQuestion",
    "Sector",
]
