"""Property tests of the pure assignment strategies (workshops/strategies.py)."""

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from workshops import strategies as s

COUNTRIES = ["KZ", "KG", "TJ", "UZ", "TM", "XX"]
STAKEHOLDERS = ["vet_student", "teacher", "school_manager", "policy_maker", "donor"]

people_st = st.lists(
    st.tuples(st.sampled_from(COUNTRIES), st.sampled_from(STAKEHOLDERS)), min_size=0, max_size=60
).map(lambda rows: [s.Person(id=i + 1, country=c, stakeholder=k) for i, (c, k) in enumerate(rows)])
seeds = st.integers(min_value=0, max_value=2**32)
n_groups_st = st.integers(min_value=1, max_value=12)
BALANCED = [s.random_balanced, s.mixed_countries, s.mixed_stakeholders, s.same_stakeholder, s.no_repeat]


def sizes(groups):
    return [len(g) for g in groups]


def everyone_once(groups, people):
    return sorted(pid for g in groups for pid in g) == sorted(p.id for p in people)


@given(people=people_st, n=n_groups_st, seed=seeds, which=st.sampled_from(BALANCED))
def test_balanced_strategies_place_everyone_once_with_sizes_differing_by_at_most_one(people, n, seed, which):
    groups = which(people, n, rng=random.Random(seed))
    assert len(groups) == n
    assert everyone_once(groups, people)
    assert max(sizes(groups)) - min(sizes(groups)) <= 1


@given(people=people_st, n=n_groups_st, seed=seeds)
def test_mixed_countries_reaches_the_most_distinct_countries_any_assignment_can(people, n, seed):
    groups = s.mixed_countries(people, n, rng=random.Random(seed))
    by_id = {p.id: p for p in people}
    total = sum(s.distinct_counts([[by_id[i] for i in g] for g in groups], lambda p: p.country))
    # A country with k people can appear in at most min(k, n) groups; that bound is reached.
    upper_bound = sum(min(k, n) for k in Counter(p.country for p in people).values())
    assert total == upper_bound


@given(people=people_st, n=n_groups_st, seed=seeds)
def test_mixed_stakeholders_reaches_the_most_distinct_stakeholder_groups(people, n, seed):
    groups = s.mixed_stakeholders(people, n, rng=random.Random(seed))
    by_id = {p.id: p for p in people}
    total = sum(s.distinct_counts([[by_id[i] for i in g] for g in groups], lambda p: p.stakeholder))
    assert total == sum(min(k, n) for k in Counter(p.stakeholder for p in people).values())


@given(people=people_st, n=n_groups_st, seed=seeds)
def test_same_stakeholder_mixes_at_most_one_group_fewer_than_there_are_stakeholder_groups(people, n, seed):
    groups = s.same_stakeholder(people, n, rng=random.Random(seed))
    by_id = {p.id: p for p in people}
    mixed = sum(1 for g in groups if len({by_id[i].stakeholder for i in g}) > 1)
    kinds = len({p.stakeholder for p in people})
    assert mixed <= max(kinds - 1, 0)


@st.composite
def solvable_no_repeat(draw):
    """People, a hidden balanced partition, and a history that avoids every pair inside it,
    so a repeat-free assignment is known to exist."""
    count = draw(st.integers(min_value=0, max_value=16))
    n = draw(st.integers(min_value=1, max_value=5))
    people = [s.Person(id=i + 1) for i in range(count)]
    order = draw(st.permutations([p.id for p in people]))
    hidden = [order[i::n] for i in range(n)]
    allowed = s.pairs_of(hidden)
    all_pairs = sorted(
        (frozenset((a.id, b.id)) for i, a in enumerate(people) for b in people[i + 1:]), key=sorted
    )
    forbidden = [p for p in all_pairs if p not in allowed]
    history = set(draw(st.lists(st.sampled_from(forbidden), unique=True))) if forbidden else set()
    return people, n, history


@settings(max_examples=150, deadline=None)
@given(case=solvable_no_repeat(), seed=seeds)
def test_no_repeat_finds_an_assignment_without_repeat_pairings_whenever_one_exists(case, seed):
    people, n, history = case
    groups = s.no_repeat(people, n, rng=random.Random(seed), history=history)
    assert everyone_once(groups, people)
    assert max(sizes(groups)) - min(sizes(groups)) <= 1
    assert s.repeat_count(groups, history) == 0


def test_no_repeat_after_a_previous_round_separates_everyone_who_met():
    people = [s.Person(id=i) for i in range(1, 13)]
    first = s.random_balanced(people, 3, rng=random.Random(1))
    second = s.no_repeat(people, 4, rng=random.Random(2), history=s.pairs_of(first))
    assert s.repeat_count(second, s.pairs_of(first)) == 0
    assert sizes(second) == [3, 3, 3, 3]


def test_no_repeat_when_impossible_still_places_everyone_in_balanced_groups():
    people = [s.Person(id=i) for i in range(1, 5)]
    everybody_met = s.pairs_of([[1, 2, 3, 4]])
    groups = s.no_repeat(people, 2, rng=random.Random(0), history=everybody_met)
    assert sizes(groups) == [2, 2]
    assert everyone_once(groups, people)


@given(people=people_st, n=n_groups_st, seed=seeds, cap=st.integers(min_value=1, max_value=10),
       picks=st.lists(st.integers(min_value=0, max_value=11)))
def test_self_select_honours_choices_in_order_and_never_exceeds_the_cap(people, n, seed, cap, picks):
    choices = {p.id: pick for p, pick in zip(people, picks, strict=False)}
    groups = s.self_select(people, n, rng=random.Random(seed), choices=choices, cap=cap)
    assert all(len(g) <= cap for g in groups)
    placed = {pid for g in groups for pid in g}
    for pid, index in choices.items():
        if pid in placed:
            assert pid in groups[index]
    # Only people whose choice was impossible or full are left unplaced.
    for pid, index in choices.items():
        if pid not in placed and index < n:
            assert len(groups[index]) == cap


def test_manual_places_nobody():
    assert s.manual([s.Person(id=1), s.Person(id=2)], 3, rng=random.Random(0)) == [[], [], []]


@given(people=people_st, late=people_st, n=n_groups_st, seed=seeds,
       strategy=st.sampled_from([s.RANDOM, s.MIXED_COUNTRIES, s.MIXED_STAKEHOLDERS, s.SAME_STAKEHOLDER,
                                 s.NO_REPEAT]))
def test_late_joiners_placed_by_the_active_strategy_keep_groups_balanced(people, late, n, seed, strategy):
    rng = random.Random(seed)
    by_id = {p.id: p for p in people}
    groups = [[by_id[i] for i in g] for g in s.assign(strategy, people, n, rng=rng)]
    for offset, person in enumerate(late, start=1000):
        newcomer = s.Person(id=offset, country=person.country, stakeholder=person.stakeholder)
        index = s.place_late_joiner(strategy, newcomer, groups, rng=rng)
        groups[index].append(newcomer)
        assert max(map(len, groups)) - min(map(len, groups)) <= 1


def test_late_joiner_in_mixed_countries_goes_to_a_smallest_group_without_their_country():
    groups = [
        [s.Person(1, "KZ"), s.Person(2, "KG")],
        [s.Person(3, "TJ"), s.Person(4, "UZ")],
        [s.Person(5, "KZ")],
        [s.Person(6, "TM")],
    ]
    index = s.place_late_joiner(s.MIXED_COUNTRIES, s.Person(7, "KZ"), groups, rng=random.Random(0))
    assert index == 3


def test_late_joiner_with_manual_or_self_select_goes_to_the_waiting_list():
    groups = [[s.Person(1)], []]
    assert s.place_late_joiner(s.MANUAL, s.Person(2), groups, rng=random.Random(0)) is None
    assert s.place_late_joiner(s.SELF_SELECT, s.Person(2), groups, rng=random.Random(0)) is None


def test_late_joiner_in_no_repeat_avoids_earlier_partners():
    groups = [[s.Person(1)], [s.Person(2)]]
    history = {frozenset((1, 3))}
    assert s.place_late_joiner(s.NO_REPEAT, s.Person(3), groups, rng=random.Random(0), history=history) == 1
