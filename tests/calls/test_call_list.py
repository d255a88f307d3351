"""``/appels/``: the public list of calls and its page parameter."""

import pytest

from tests.factories import create_call

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("page", ["99999999999999999999", "9" * 30, str(2**63)])
def test_a_page_past_the_database_limits_shows_the_last_page(
    client, metropole, inline_event_processing, django_capture_on_commit_callbacks, page
):
    """Found by the fuzzer: the offset of /appels/?page=10^20 overflowed a bigint (a 500)."""
    with django_capture_on_commit_callbacks(execute=True):
        create_call(metropole, title="Capteurs pour les quais")
    response = client.get("/appels/", {"page": page})
    assert response.status_code == 200
    assert "Capteurs pour les quais" in response.content.decode()
