"""allauth's TOTP activation, which also counts as using the factor in this session.

The user has just typed a right code of the new authenticator: that proves possession
as much as the login's code step would, so the session is recorded as authenticated
with it and a member of staff who enrols at first login reaches the CMS straight away.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.views import ActivateTOTPView


class ActivateTOTPAndRecordView(ActivateTOTPView):
    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        record_authentication(self.request, user, "mfa", id=totp.pk, type=totp.type)
        return response


activate_totp = ActivateTOTPAndRecordView.as_view()
