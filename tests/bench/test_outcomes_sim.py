"""The outcomes bench's harness (bench/outcomes_sim.py) on a tiny city: it runs the
product's own code on its simulated clock and gives the same figures for the same seed.
Its goals are the bench's (bench/outcomes.py), never a test's."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import pytest

from bench import outcomes, outcomes_seeds
from bench.outcomes_sim import (
    BROADCAST,
    WAVES,
    Behaviour,
    Review,
    Shape,
    district_sizes,
    districts,
    make_city,
    requesters,
    simulate,
)
from db.clock import BERLIN
from handlers.helping import unreviewed
from handlers.helping.timers import Timing
from handlers.settings import HandlerSettings

TINY = Shape(volunteers=20, requests_per_day=8, days=1, tail_days=1)
# The small town's map, a day and a half: its six parts, talk requests among the kinds.
TINY_TOWN = replace(outcomes.TOWN, volunteers=12, requests_per_day=10, days=1, tail_days=1)


def _figures(outcome):
    return (
        [(s.request_id, s.published, s.matched, s.offers, s.escalated) for s in outcome.stories],
        outcome.offers_per_volunteer,
        outcome.opened_after_taken,
        outcome.wasted_taps,
        outcome.messages,
    )


@pytest.mark.parametrize("rule", [BROADCAST, WAVES], ids=lambda r: r.name)
async def test_a_tiny_city_runs_a_day_and_a_seed_gives_the_same_figures(rule):
    first = await simulate(rule, TINY, seed=7)
    again = await simulate(rule, TINY, seed=7)
    assert _figures(first) == _figures(again)

    # Requests were published through the lifecycle and offered through the outbox.
    assert first.stories and all(s.request_id and s.published for s in first.stories)
    assert sum(first.offers_per_volunteer) > 0 and first.messages > 0
    # Matches came from volunteers pressing "I can help", after publishing.
    assert any(s.matched for s in first.stories)
    assert all(s.matched >= s.published for s in first.stories if s.matched)
    assert first.share(timedelta(hours=2)) <= first.share(timedelta(hours=24)) <= first.share(None)


async def test_time_counts_from_asking_and_the_review_waits_for_the_coordinators_day():
    review = Review(hours=(8, 20), minutes=(5.0, 60.0), flat=True)
    # The review alone: the city's job for what nobody reviewed off (it is on by default).
    reviewed_only = outcomes.with_offer_rules(WAVES, (("publish_unreviewed_after", 0),))
    outcome = await simulate(reviewed_only, TINY_TOWN, seed=4, review=review)
    stories = outcome.stories
    assert stories
    for story in stories:
        # Asked when the model sent it, published by the coordinators later: never at once
        # (publish_at_once is off, the product's default).
        assert story.asked == story.ask.at and not story.at_once
        assert story.published is not None and story.published > story.asked
        published = story.published.astimezone(BERLIN)
        assert 8 <= published.hour < 20
        asked = story.asked.astimezone(BERLIN)
        if 8 <= asked.hour < 19:
            assert timedelta(minutes=5) <= story.published - story.asked <= timedelta(minutes=60)
        elif not 8 <= asked.hour < 20:
            # Sent outside the coordinators' hours: published the next morning.
            assert published.hour == 8 and published.date() >= asked.date()
    # The figures count from asking: a request asked at 07:xx and matched by 09:30 counts
    # its wait for the review.
    assert outcome.share(timedelta(hours=24)) <= outcome.share(None)
    assert all(s.matched > s.published for s in stories if s.matched)
    # The coordinators' work is counted beside the offers (issue 102, point 3): every
    # request here was their review; a volunteer phoned only after an escalation, at most
    # the model's calls each time.
    assert all(s.reviewed for s in stories)
    work = outcomes.coordinators_work(stories, outcome.weeks)
    assert work["reviews a week"] == pytest.approx(len(stories) / outcome.weeks)
    assert work["escalations a week"] == pytest.approx(
        sum(s.escalated for s in stories) / outcome.weeks
    )
    assert all(s.calls <= outcome.recovery.calls * s.phoned for s in stories)
    parts = [value for name, value in work.items() if name != "coordinators a week"]
    assert work["coordinators a week"] == pytest.approx(sum(parts))


async def test_trusted_requesters_are_published_at_once_when_the_city_says_so():
    shape = replace(TINY_TOWN, days=4, requests_per_day=6)
    trusting = Review(publish_at_once=frozenset({"returning"}))
    # "Done" some hours after the match: help that plausibly happened (returning.py).
    behaviour = Behaviour(returning_share=0.9, done_median_hours=6.0)
    # The review alone beside it: the job for what nobody reviewed off (on by default).
    reviewed_only = outcomes.with_offer_rules(BROADCAST, (("publish_unreviewed_after", 0),))
    outcome = await simulate(reviewed_only, shape, seed=4, behaviour=behaviour, review=trusting)
    at_once = [s for s in outcome.stories if s.at_once]
    # Some returning requesters' earlier help was done: the product published theirs at once.
    assert at_once and all(s.published == s.asked for s in at_once)
    # ... and no coordinator reviewed those; the others they did.
    assert not any(s.reviewed for s in at_once)
    assert all(s.reviewed for s in outcome.stories if s.published and not s.at_once)
    first_ask = {}
    for story in sorted(outcome.stories, key=lambda s: s.asked):
        first_ask.setdefault(story.requester, story)
    assert all(first_ask[s.requester] is not s for s in at_once)


def test_the_city_is_drawn_from_the_seed():
    one = make_city(TINY, 1, Behaviour())
    assert make_city(TINY, 1, Behaviour()) == one
    assert make_city(TINY, 2, Behaviour()) != one
    people, asks = one
    assert len(people) == TINY.volunteers
    assert all(a.district for a in asks)


@pytest.mark.parametrize("city", ["town", "berlin"])
def test_the_city_shapes_place_people_in_their_own_districts(city):
    shape = replace(outcomes.CITIES[city].shape, volunteers=400, requests_per_day=200, days=2)
    names = {name for name, _, _ in districts(shape.data_dir)}
    sizes = district_sizes(shape)
    assert set(sizes) == names
    assert len(names) == {"town": 6, "berlin": 12}[city]
    people, asks = make_city(shape, 4, Behaviour())
    assert {a.district for a in asks} == names
    # Requests by residents: the most populous district asks more than the least.
    most = max(sizes, key=lambda n: sizes[n][0])
    least = min(sizes, key=lambda n: sizes[n][0])
    count = {n: sum(a.district == n for a in asks) for n in names}
    assert count[most] > count[least]
    # "Just talk" is part of the mix, and some volunteers have a talk shift.
    assert any(a.category == "talk" for a in asks)
    assert any(p.talk_shift for p in people)
    assert all("talk" in p.categories for p in people if p.talk_shift)


def test_returning_requesters_ask_again_in_their_own_district_and_language():
    _, asks = make_city(replace(TINY, days=10), 3, Behaviour())
    names = requesters(asks, 3, Behaviour(returning_share=0.5))
    first = {}
    for ask, name in zip(asks, names, strict=True):
        if name in first:
            earlier = first[name]
            assert (earlier.district, earlier.languages) == (ask.district, ask.languages)
        else:
            first[name] = ask
    assert len(first) < len(asks)


async def test_a_city_that_publishes_unreviewed_runs_the_products_job():
    # publish_unreviewed_after (issue 81, point 3; 30 minutes from 08:00 to 22:00 by
    # default since issue 102, point 3): the product's job publishes what the coordinators
    # had not reviewed 30 minutes after asking - in its hours, else at their next start;
    # the coordinators' review may come first (the flat review here: requests after 19:00
    # wait for the morning without the job).
    numbers = outcomes.offer_rules_of(
        ["--offer-rules", "publish_unreviewed_after=30,publish_unreviewed_hours=8-22"]
    )
    assert numbers == (("publish_unreviewed_after", 30), ("publish_unreviewed_hours", (8, 22)))
    settings = outcomes.with_offer_rules(WAVES, numbers).setup(HandlerSettings())
    assert settings == WAVES.setup(HandlerSettings())  # the defaults
    review = Review(hours=(8, 20), minutes=(5.0, 60.0), flat=True)
    outcome = await simulate(WAVES, TINY_TOWN, seed=4, review=review)
    published = [s for s in outcome.stories if s.published]
    assert published and all(
        s.published <= unreviewed.first_chance(settings, s.asked) for s in published
    )
    assert any(s.published - s.asked == timedelta(minutes=30) for s in published)
    assert all(8 <= s.published.astimezone(BERLIN).hour < 22 for s in published)
    assert all(s.matched > s.published for s in outcome.stories if s.matched)


def test_the_goals_are_judged_on_the_newest_rules_judging_seeds_only():
    cities, judged, whose = outcomes.plan([])
    assert judged and {c.key for c in cities} == {"dortmund", "town", "berlin"}
    seeds = outcomes_seeds.registered()[whose]
    assert whose == list(outcomes_seeds.registered())[-1]
    for city in cities:
        assert set(city.seeds) <= set(seeds)
        assert not set(city.seeds) & set(outcomes.TUNING_SEEDS)
    for argv in (["--quick"], ["--tuning"], ["--seeds", "4,5"]):
        _, judged, _ = outcomes.plan(argv)
        assert not judged


def test_offer_rules_given_on_the_command_line_reach_the_waves_settings():
    # --offer-rules judges a setting before it is a default (tell_when_dry, issue 81).
    numbers = outcomes.offer_rules_of(["--offer-rules", "tell_when_dry=false,budget=20"])
    assert numbers == (("tell_when_dry", False), ("budget", 20))
    settings = outcomes.with_offer_rules(outcomes.WAVES, numbers).setup(HandlerSettings())
    assert not settings.offer_rules.tell_when_dry and settings.offer_rules.budget == 20
    assert settings.offer_rules.waves
    assert outcomes.offer_rules_of([]) == ()
    assert outcomes.WAVES.setup(HandlerSettings()).offer_rules.tell_when_dry


def test_the_citys_escalate_hours_reach_both_rules_follow_ups():
    # --escalate-hours judges the city's [help] escalate_hours (issue 81): the coordinators'
    # alert is the product's, so the broadcast and the waves both get it.
    for rule in (outcomes.BROADCAST, outcomes.WAVES):
        assert outcomes.with_escalation(rule, 8).timing.escalate_hours == 8
        assert outcomes.with_escalation(rule, None) == rule
        assert rule.timing == Timing()


@pytest.mark.parametrize(
    ("waves_2h", "waves_lost", "met"),
    [((0.40, 0.35), (1.0, 2.0), (True, True)), ((0.40, 0.30), (2.0, 3.0), (False, False))],
    ids=["no-slower-no-more-lost", "one-seed-slower-more-lost"],
)
def test_the_waves_are_judged_against_the_broadcast_within_2_h_on_every_seed_and_by_who_is_lost(
    waves_2h, waves_lost, met
):
    # Issue 102: within 2 h of asking at least the broadcast's on every seed (not on the
    # mean), and no more volunteers tired away than the broadcast loses.
    def rule(two_hours, lost):  # type: ignore[no-untyped-def]
        figures = defaultdict(lambda: outcomes.Spread({1: 0.9, 2: 0.9}))
        figures["2h"] = outcomes.Spread(dict(zip((1, 2), two_hours, strict=True)))
        figures["lost"] = outcomes.Spread(dict(zip((1, 2), lost, strict=True)))
        return figures

    figures_of = {"waves": rule(waves_2h, waves_lost), "broadcast": rule((0.35, 0.32), (1.5, 1.5))}
    goals = dict(
        (goal, ok)
        for goal, ok, _ in outcomes.goals_of(outcomes.CITIES["town"], figures_of, False, Review())
    )
    assert goals["within 2 h of asking >= the recovering broadcast on every seed"] == met[0]
    assert goals["volunteers lost <= the recovering broadcast's"] == met[1]
