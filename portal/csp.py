"""Content-Security-Policy: strict on the public site, loosened only for the CMS.

Django's own middleware applies ``SECURE_CSP`` everywhere. The Wagtail admin still
relies on inline styles and a few inline scripts, so it gets
``PORTAL_ADMIN_CSP`` instead; the public site, where applicants type their data,
keeps a policy with no inline code at all.
"""

from django.conf import settings
from django.middleware import csp

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


class ContentSecurityPolicyMiddleware(csp.ContentSecurityPolicyMiddleware):
    def process_response(self, request, response):
        if request.path.startswith(ADMIN_PREFIXES) and not hasattr(response, "_csp_config"):
            response._csp_config = settings.PORTAL_ADMIN_CSP
        return super().process_response(request, response)
