from django.conf import settings
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts.urls import allauth_urlpatterns
from organisations import views as organisation_views
from portal import views
from search import views as search_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # The CMS's login is allauth's: the same limits and second factor for everyone.
    path(
        "admin/login/",
        RedirectView.as_view(url=settings.WAGTAILADMIN_LOGIN_URL, query_string=True),
        name="wagtailadmin_login_redirect",
    ),
    path("admin/securite/", include("accounts.admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("recherche/", search_views.search_page, name="search"),
    path("api/v1/calls/", search_views.calls_api, name="api_calls"),
    path("api/v1/openapi.json", search_views.openapi, name="api_openapi"),
    path("api/v1/autocomplete/", search_views.autocomplete, name="api_autocomplete"),
    path("api/<path:path>", search_views.api_not_found),
    path("documents/", include(wagtaildocs_urls)),
    path("compte/", include(allauth_urlpatterns)),
    path("compte/", include("accounts.urls")),
    path("espace/entreprise/", include("companies.urls")),
    path("", include("applications.urls")),
    path("", include("qanda.urls")),
    path(
        "organisations/<slug:slug>/",
        organisation_views.organisation_detail,
        name="organisation_detail",
    ),
    path("organisations/", organisation_views.organisation_list, name="organisation_list"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]
