from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from organisations import views as organisation_views
from portal import views
from search import views as search_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("recherche/", search_views.search_page, name="search"),
    path("api/v1/calls/", search_views.calls_api, name="api_calls"),
    path("api/v1/openapi.json", search_views.openapi, name="api_openapi"),
    path("api/v1/autocomplete/", search_views.autocomplete, name="api_autocomplete"),
    path("documents/", include(wagtaildocs_urls)),
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
