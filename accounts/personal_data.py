"""The applicant's personal data as one JSON document (GDPR right of access and portability).

Other apps' models are imported inside the function: the export must keep working,
and stay complete for what exists, whatever those apps hold.
"""

from __future__ import annotations

from django.utils import timezone


def personal_data_export(user) -> dict:
    from accounts.models import Account
    from applications.models import Application, Follow
    from companies.models import Membership
    from qanda.models import Question

    account = Account.objects.filter(user=user).first()
    membership = Membership.objects.select_related("company").filter(user=user).first()
    company = membership.company if membership else None
    applications = (
        Application.objects.filter(company=company)
        .select_related("call")
        .prefetch_related("attachments")
        if company
        else Application.objects.none()
    )
    return {
        "exported_at": timezone.now(),
        "account": _account(user, account),
        "membership": (
            {"role": membership.role, "joined_at": membership.joined_at} if membership else None
        ),
        "company": _company(company) if company else None,
        "applications": [_application(application, user) for application in applications],
        "questions": [
            {
                "call": question.call.title,
                "question": question.question,
                "asked_at": question.asked_at,
                "answer": question.answer,
                "is_published": question.is_published,
            }
            for question in Question.objects.filter(asked_by=user).select_related("call")
        ],
        "followed_calls": [
            {"call": follow.call.title, "url": follow.call.url, "since": follow.created_at}
            for follow in Follow.objects.filter(user=user).select_related("call")
        ],
    }


def _account(user, account) -> dict:
    from allauth.account.models import EmailAddress

    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user)
        ],
        "consent_at": account.consent_at if account else None,
        "consent_version": account.consent_version if account else None,
        # Whether the second factor is on; never its secret.
        "second_factor_enabled": bool(account and account.has_second_factor),
        "notify_followed_calls": account.notify_followed_calls if account else None,
    }


def _company(company) -> dict:
    return {
        "legal_name": company.legal_name,
        "siret": company.siret,
        "size": company.size,
        "sectors": [sector.label for sector in company.sectors.all()],
        "commune": company.commune,
        "departement": company.departement,
        "website": company.website,
        "pitch": company.pitch,
        "members": [m.user.email for m in company.memberships.select_related("user")],
    }


def _application(application, user) -> dict:
    return {
        "reference": application.reference,
        "call": application.call.title,
        "status": application.status,
        "created_by_me": application.created_by_id == user.pk,
        "created_at": application.created_at,
        "submitted_at": application.submitted_at,
        "withdrawn_at": application.withdrawn_at,
        "solution_name": application.solution_name,
        "description": application.description,
        "maturity": application.maturity,
        "references": application.references,
        "team": application.team,
        "pilot_proposal": application.pilot_proposal,
        "budget_estimate": application.budget_estimate,
        "answers": application.answers,
        "attachments": [
            {
                "name": attachment.original_name,
                "type": attachment.content_type,
                "size": attachment.size,
                "uploaded_at": attachment.uploaded_at,
            }
            for attachment in application.attachments.all()
        ],
    }
