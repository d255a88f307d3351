"""Give an organisation what its people need to work apart from the others.

``organisation_provision`` is idempotent: it creates (or repairs) the organisation's
calls folder, its groups (editors and reviewers with their page and collection
permissions; evaluators, who read and judge the applications to its calls), its
documents collection, and the moderation workflow in which its reviewers approve
what its editors submit. Wagtail's own permission checks then do the isolation.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from organisations.models import Organisation

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page"]
REVIEWER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
COLLECTION_PERMISSIONS = [
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"),
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
]


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _group(name: str) -> Group:
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    return group


def _calls_folder(organisation: Organisation):
    from calls.models import CallFolderPage, CallIndexPage

    folder = CallFolderPage.objects.filter(organisation=organisation).first()
    if folder is None:
        index_page = CallIndexPage.objects.get()
        folder = index_page.add_child(
            instance=CallFolderPage(
                title=organisation.name,
                slug=f"org-{organisation.slug}"[:255],
                organisation=organisation,
            )
        )
    return folder


def _collection(organisation: Organisation) -> Collection:
    existing = Collection.objects.filter(name=organisation.name).first()
    if existing:
        return existing
    return Collection.get_first_root_node().add_child(name=organisation.name)


def _workflow(organisation: Organisation, reviewers: Group) -> Workflow:
    name = f"Relecture — {organisation.name}"
    workflow, created = Workflow.objects.get_or_create(name=name)
    if created or not workflow.workflow_tasks.exists():
        task = GroupApprovalTask.objects.create(
            name=f"Validation par la relecture — {organisation.name}"
        )
        task.groups.set([reviewers])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


@transaction.atomic
def organisation_provision(organisation: Organisation) -> Organisation:
    editors = _group(f"{organisation.name} — Rédaction")
    reviewers = _group(f"{organisation.name} — Relecture")
    evaluators = _group(f"{organisation.name} — Évaluation")
    folder = _calls_folder(organisation)
    for group, codenames in (
        (editors, EDITOR_PAGE_PERMISSIONS),
        (reviewers, REVIEWER_PAGE_PERMISSIONS),
    ):
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=folder, permission=_permission("wagtailcore", codename)
            )
        collection = _collection(organisation)
        for app_label, codename in COLLECTION_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=_permission(app_label, codename)
            )
    workflow = _workflow(organisation, reviewers)
    WorkflowPage.objects.update_or_create(page=folder, defaults={"workflow": workflow})
    Organisation.objects.filter(pk=organisation.pk).update(
        editors_group=editors, reviewers_group=reviewers, evaluators_group=evaluators
    )
    organisation.editors_group, organisation.reviewers_group = editors, reviewers
    organisation.evaluators_group = evaluators
    return organisation
