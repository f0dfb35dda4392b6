"""Browser tests: Playwright drives Debian's Chromium against a real ``unscathed serve`` process with tiny
models. Log in, label with the keyboard, compare, use the red-team workbench end to end, and save a screenshot
of each page under test-artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from web_helpers import PASSWORD, ServerProcess

from unscathed.models.classifier import HFClassifier
from unscathed.store import open_store
from unscathed.store.accounts import create_user
from unscathed.store.comparisons import add_comparison
from unscathed.store.schema import LabelAssignmentRecord
from unscathed.web.security import hash_password

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it)")]


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_generator_dir, tiny_encoder_dir):
    """A server with the tiny generator and a tiny classifier whose threshold (1.0) accepts everything."""
    root = tmp_path_factory.mktemp("browser")
    classifier_dir = root / "classifier"
    HFClassifier.load(tiny_encoder_dir, threshold=1.0).save(classifier_dir)
    url = f"sqlite:///{root / 'web.db'}"
    store = open_store(url)
    with store.session() as session:
        for name, role in (("root", "admin"), ("ann", "labeler"), ("rita", "rater"), ("rex", "redteamer")):
            create_user(session, name, hash_password(PASSWORD), role)
        add_comparison(session, "The storm broke over the hills.", "The sheep ran to the barn.", False, "Rain fell on the roofs.", {})
    store.queue_for_labeling([{"prompt": f"The knight raised his sword, story {k}.", "completion": f"He <b>cut</b> the rope {k}."} for k in range(3)])
    store.engine.dispose()
    process = ServerProcess(url, "--model", str(classifier_dir), "--generator", str(tiny_generator_dir)).start()
    process.store_url = url
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _login(browser, server, username):
    page = browser.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def _shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_log_in_and_label_with_the_keyboard(browser, server):
    page = browser.new_page()
    page.goto(server.url + "/login")
    _shot(page, "login")
    page.close()
    page = _login(browser, server, "ann")
    page.wait_for_url("**/label")
    # The completion's markup is shown as text, not rendered.
    assert "<b>cut</b>" in page.inner_text("mark.completion")
    _shot(page, "label")
    first = page.inner_text("mark.completion")
    page.keyboard.press("1")
    page.wait_for_function("t => document.querySelector('mark.completion').textContent !== t", arg=first)
    second = page.inner_text("mark.completion")
    page.keyboard.press("n")  # focus the note; typing there must not answer
    page.keyboard.type("not sure 1 0 u")
    page.keyboard.press("Escape")
    page.keyboard.press("u")
    page.wait_for_function("t => document.querySelector('mark.completion').textContent !== t", arg=second)
    page.keyboard.press("0")
    page.wait_for_selector("#queue-empty")
    page.goto(server.url + "/label/history")
    _shot(page, "history")
    page.goto(server.url + "/guide")
    assert "Labeling guide" in page.inner_text("h1")
    _shot(page, "guide")
    store = open_store(server.store_url)
    with store.session() as session:
        answers = [(a.answer, a.note, a.seconds_spent > 0) for a in session.query(LabelAssignmentRecord).order_by(LabelAssignmentRecord.id)]
    assert answers == [(1, None, True), (None, "not sure 1 0 u", True), (0, None, True)]


def test_compare_two_completions(browser, server):
    page = _login(browser, server, "rita")
    page.wait_for_url("**/compare")
    texts = {page.inner_text("#choice-first"), page.inner_text("#choice-second")}
    assert any("Rain fell" in t for t in texts) and any("sheep" in t for t in texts)
    _shot(page, "compare")
    page.keyboard.press("t")
    page.wait_for_selector("#queue-empty")


def test_red_team_workbench_end_to_end(browser, server):
    page = _login(browser, server, "rex")
    page.wait_for_url("**/redteam")
    page.fill("#rt-prompt", "The knight raised his sword.")
    page.click("#rt-sample")
    page.wait_for_selector("#rt-candidates tbody tr >> nth=1")
    assert page.locator("#rt-candidates tr.returned").count() == 1  # the filter's choice is marked
    page.fill("#rt-completion", "he hit the dragon")
    page.wait_for_selector("#rt-tokens span.token")
    score = page.inner_text("#rt-score")
    assert 0 <= float(score) <= 1 and "accepted" in page.inner_text("#rt-verdict")
    page.type("#rt-completion", " and it bled")  # the score follows the text as it is typed
    page.wait_for_function("() => document.querySelector('#rt-tokens').textContent.endsWith('bled')")
    page.click("#rt-tokens span.token:text-is('hit')")
    page.wait_for_selector("#rt-subs button.rt-sub")
    _shot(page, "redteam")
    page.click("#rt-subs button.rt-sub >> nth=0")
    page.wait_for_function("() => !document.querySelector('#rt-completion').value.startsWith('he hit ')")
    page.click("#rt-submit")
    page.wait_for_function("() => document.querySelector('#rt-status').textContent.startsWith('Submitted')")
    _shot(page, "redteam-submitted")
    [row] = open_store(server.store_url).snippets_by_source("redteam")
    assert row["prompt"] == "The knight raised his sword." and row["completion"].endswith(" the dragon and it bled")


def test_admin_pages(browser, server):
    page = _login(browser, server, "root")
    page.wait_for_url("**/admin")
    assert "Cohen" in page.inner_text("main")
    _shot(page, "dashboard")
    for name in ("users", "import"):
        page.goto(f"{server.url}/admin/{name}")
        _shot(page, name)
