import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_home_page_renders_in_chromium_with_no_csp_violations(live_url, new_context, artifacts_dir):
    page = new_context().new_page()
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(live_url + "/")
    assert page.locator("h1").inner_text() == "Join a workshop"
    page.screenshot(path=str(artifacts_dir / "home.png"))
    assert violations == []
