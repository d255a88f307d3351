"""Telling the followers of a call and the asker that an answer was published."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.contrib.auth import get_user_model

from calls.snapshots import public_url
from portal.mail import send_templated_mail
from qanda.models import Question

logger = logging.getLogger(__name__)


def answer_recipients(question: Question) -> list[str]:
    """The asker, then the followers who want news of the calls they follow; each once.

    The asker is told even without following: they asked. Staff follow nothing
    (following is an applicant's act), so an organisation's people are not written to.
    """
    followers = (
        get_user_model()
        .objects.filter(
            followed_calls__call_id=question.call_id,
            account__notify_followed_calls=True,
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
    )
    candidates = [u.email for u in followers]
    asker = question.asked_by
    if asker is not None and asker.is_active and asker.email:
        candidates.insert(0, asker.email)
    recipients: dict[str, str] = {}
    for email in candidates:
        recipients.setdefault(email.strip().lower(), email.strip())
    return list(recipients.values())


def notify_answer_published(question_id: int) -> int:
    """Send one e-mail per recipient (nobody sees another's address); returns how many left.

    Runs after the publication's commit; a refused address is logged and the others
    are still written to.
    """
    question = (
        Question.objects.select_related("call", "asked_by")
        .filter(pk=question_id, is_published=True)
        .first()
    )
    if question is None:  # unpublished again before the commit hook ran
        return 0
    context = {"question": question, "call": question.call, "call_url": public_url(question.call)}
    sent = 0
    for email in answer_recipients(question):
        try:
            sent += send_templated_mail("qanda/email/answer_published", context, [email])
        except (SMTPException, OSError):
            logger.exception("answer notification for question %s not sent", question_id)
    return sent
