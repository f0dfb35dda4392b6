"""Blind comparisons: random order, the choice mapped back to the policy, results feeding quality_efficient."""

import random

import numpy as np
import pytest
from conftest import KeywordScorer, ScriptedGenerator
from web_helpers import CSRF_FIELD, add_user, app, login, make_app, template_db, tiny_models  # noqa: F401 (fixtures)

from unscathed.stats import quality_efficient
from unscathed.store import comparisons
from unscathed.web import ModelService


def _add(app, **kw):
    with app.state.unscathed.store.session() as session:
        return comparisons.add_comparison(session, **{"prompt": "p", "unfiltered": "U", "unfiltered_accepted": False, "filtered": "F", "provenance": {}, **kw}).id


def _choose(client, choice):
    page = client.get("/compare").text
    judgment = int(page.split('action="/compare/')[1].split('"')[0])
    token = CSRF_FIELD.search(page).group(1)
    first_text = page.split('id="choice-first"')[1].split("</button>")[0]
    assert client.post(f"/compare/{judgment}", data={"choice": choice, "csrf_token": token}, follow_redirects=False).status_code == 303
    return "F" in first_text


def test_the_pair_is_shown_in_random_order_and_the_choice_is_mapped_back(app):
    for k in range(12):
        _add(app, prompt=f"prompt {k}")
    add_user(app, "rita", "rater")
    client, _ = login(app, "rita")
    app.state.unscathed.rng = random.Random(1)
    firsts = [_choose(client, "first") for _ in range(12)]
    assert 0 < sum(firsts) < 12  # both orders occur
    with app.state.unscathed.store.session() as session:
        accepted, preference, _, waiting = comparisons.quality_inputs(session)
    # Choosing the first shown means "filtered better" exactly when the filtered one was shown first.
    assert list(preference) == [1.0 if f else 0.0 for f in firsts] and waiting == 0 and not accepted.any()
    page = client.get("/compare").text
    assert "No comparisons left" in page


def test_ties_and_accepted_prompts_feed_the_efficient_estimator(app):
    _add(app)
    _add(app, unfiltered_accepted=True, filtered=None)  # scores 1/2 with no human
    _add(app, filtered=None)  # nothing passed the filter: a loss
    add_user(app, "rita", "rater")
    client, _ = login(app, "rita")
    from unscathed.web.dashboard import quality

    with app.state.unscathed.store.session() as session:
        assert quality(session)["estimate"] is None and quality(session)["waiting"] == 1  # no estimate leaning toward 1/2
    _choose(client, "tie")
    assert "No comparisons left" in client.get("/compare").text
    with app.state.unscathed.store.session() as session:
        accepted, preference, failed_closed, waiting = comparisons.quality_inputs(session)
    assert list(accepted) == [False, True, False] and preference[0] == 0.5 and np.isnan(preference[1]) and list(failed_closed) == [False, False, True]
    assert quality_efficient(accepted, preference, failed_closed=failed_closed).value == pytest.approx(1 / 3)


def test_the_blind_page_does_not_say_which_policy_made_which(app):
    _add(app)
    add_user(app, "rita", "rater")
    client, _ = login(app, "rita")
    page = client.get("/compare").text.lower()
    assert "filtered" not in page and "policy" not in page


def test_admin_makes_comparisons_with_the_efficient_design(tmp_path, template_db):
    # The first prompt's y0 "he hurt" is rejected, so a filtered y1 is drawn (its first round is one draw, "she
    # smiled", which passes); the second prompt's y0 (draw 3, "she smiled") passes, so no y1 and no person.
    models = ModelService.ready(ScriptedGenerator(["he hurt", "she smiled", "she smiled"]), KeywordScorer())
    app = make_app(tmp_path, models, template_db)
    add_user(app, "root", "admin")
    admin, token = login(app, "root")
    assert admin.post("/admin/comparisons", data={"prompts": "first\nsecond", "csrf_token": token}, follow_redirects=False).status_code == 303
    with app.state.unscathed.store.session() as session:
        rows = [(c.unfiltered_completion, c.unfiltered_accepted, c.filtered_completion, c.remaining) for c in session.scalars(comparisons.select(comparisons.ComparisonRecord))]
    assert rows == [("he hurt", False, "she smiled", 1), ("she smiled", True, None, 0)]
