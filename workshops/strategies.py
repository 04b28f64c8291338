"""Breakout assignment strategies: pure functions, no database, no Django.

Every strategy takes the people to place and a number of groups and returns a list of
groups, each a list of person ids, with group sizes differing by at most one (except
self-select, where people choose and a cap holds). `place_late_joiner` puts one more
person into an existing assignment the way the active strategy would, or answers None
(the waiting list) for the strategies where a person must be placed by hand or chooses.

The randomness comes from the `rng` argument so tests and the facilitator's "propose
again" are reproducible.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

MANUAL = "manual"
RANDOM = "random"
MIXED_COUNTRIES = "mixed_countries"
MIXED_STAKEHOLDERS = "mixed_stakeholders"
SAME_STAKEHOLDER = "same_stakeholder"
SELF_SELECT = "self_select"
NO_REPEAT = "no_repeat"

Pair = frozenset[int]


@dataclass(frozen=True)
class Person:
    id: int
    country: str = ""
    stakeholder: str = ""


def _empty(n_groups: int) -> list[list[int]]:
    if n_groups < 1:
        raise ValueError("at least one group is needed")
    return [[] for _ in range(n_groups)]


def capacities(n_people: int, n_groups: int) -> list[int]:
    """Balanced sizes: the first n_people % n_groups groups take one more."""
    base, extra = divmod(n_people, n_groups)
    return [base + (1 if i < extra else 0) for i in range(n_groups)]


def manual(people: Sequence[Person], n_groups: int, *, rng: random.Random) -> list[list[int]]:
    """Nobody is placed: the facilitator drags people into groups."""
    return _empty(n_groups)


def random_balanced(people: Sequence[Person], n_groups: int, *, rng: random.Random) -> list[list[int]]:
    groups = _empty(n_groups)
    ids = [p.id for p in people]
    rng.shuffle(ids)
    for i, pid in enumerate(ids):
        groups[i % n_groups].append(pid)
    return groups


def _spread_by(key: Callable[[Person], str], people: Sequence[Person], n_groups: int,
               rng: random.Random) -> list[list[int]]:
    """Deal people round robin after sorting them by `key`: the members of one kind sit
    in consecutive positions, so they land in min(count, n_groups) different groups, the
    most any assignment can reach. Sizes stay balanced because dealing is round robin."""
    groups = _empty(n_groups)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for p in people:
        by_kind[key(p)].append(p.id)
    kinds = sorted(by_kind, key=lambda k: (-len(by_kind[k]), k))
    ordered: list[int] = []
    for kind in kinds:
        members = by_kind[kind]
        rng.shuffle(members)
        ordered.extend(members)
    offset = rng.randrange(n_groups)
    for i, pid in enumerate(ordered):
        groups[(i + offset) % n_groups].append(pid)
    return groups


def mixed_countries(people: Sequence[Person], n_groups: int, *, rng: random.Random) -> list[list[int]]:
    """Each country spread over as many groups as it has people (up to all groups)."""
    return _spread_by(lambda p: p.country, people, n_groups, rng)


def mixed_stakeholders(people: Sequence[Person], n_groups: int, *, rng: random.Random) -> list[list[int]]:
    return _spread_by(lambda p: p.stakeholder, people, n_groups, rng)


def same_stakeholder(people: Sequence[Person], n_groups: int, *, rng: random.Random) -> list[list[int]]:
    """People sorted by stakeholder group and cut into balanced consecutive chunks, so
    at most (number of stakeholder groups - 1) breakout groups are mixed."""
    by_kind: dict[str, list[int]] = defaultdict(list)
    for p in people:
        by_kind[p.stakeholder].append(p.id)
    ordered: list[int] = []
    for kind in sorted(by_kind, key=lambda k: (-len(by_kind[k]), k)):
        members = by_kind[kind]
        rng.shuffle(members)
        ordered.extend(members)
    groups = _empty(n_groups)
    start = 0
    for i, size in enumerate(capacities(len(ordered), n_groups)):
        groups[i] = ordered[start:start + size]
        start += size
    return groups


def self_select(people: Sequence[Person], n_groups: int, *, rng: random.Random,
                choices: Mapping[int, int] | None = None, cap: int | None = None) -> list[list[int]]:
    """Honour each person's chosen group index in the order given, while the group has
    room under `cap`; people without a (possible) choice stay unplaced (waiting list)."""
    groups = _empty(n_groups)
    known = {p.id for p in people}
    for pid, index in (choices or {}).items():
        if pid in known and 0 <= index < n_groups and (cap is None or len(groups[index]) < cap):
            groups[index].append(pid)
    return groups


def pairs_of(groups: Iterable[Iterable[int]]) -> set[Pair]:
    """Every unordered pair of people who shared a group."""
    out: set[Pair] = set()
    for group in groups:
        members = sorted(set(group))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                out.add(frozenset((a, b)))
    return out


def repeat_count(groups: Iterable[Iterable[int]], history: set[Pair]) -> int:
    return len(pairs_of(groups) & history)


#: Backtracking gives up after this many placements and keeps the best greedy answer.
SEARCH_LIMIT = 50_000


def no_repeat(people: Sequence[Person], n_groups: int, *, rng: random.Random,
              history: set[Pair] | None = None) -> list[list[int]]:
    """Balanced groups in which nobody meets someone they already met in an earlier
    round (`history`), when that is possible; otherwise as few repeats as we find.

    A depth-first search places the most constrained people first; symmetric empty
    groups are tried once. Past SEARCH_LIMIT steps the greedy answer is kept."""
    history = history or set()
    groups = _empty(n_groups)
    if not people:
        return groups
    ids = [p.id for p in people]
    rng.shuffle(ids)
    partners: dict[int, set[int]] = {pid: set() for pid in ids}
    for pair in history:
        a, b = tuple(pair)
        if a in partners and b in partners:
            partners[a].add(b)
            partners[b].add(a)
    ids.sort(key=lambda pid: -len(partners[pid]))
    caps = capacities(len(ids), n_groups)

    # Greedy first: fewest conflicts, then the emptiest group.
    greedy = _empty(n_groups)
    for pid in ids:
        options = [i for i in range(n_groups) if len(greedy[i]) < caps[i]]
        best = min(options, key=lambda i: (sum(1 for q in greedy[i] if q in partners[pid]), len(greedy[i]), i))
        greedy[best].append(pid)
    if repeat_count(greedy, history) == 0:
        return greedy

    steps = 0
    placed: list[list[int]] = _empty(n_groups)

    def search(k: int) -> bool:
        nonlocal steps
        if k == len(ids):
            return True
        pid = ids[k]
        tried_empty_caps: set[int] = set()
        for i in range(n_groups):
            if len(placed[i]) >= caps[i]:
                continue
            if not placed[i]:
                if caps[i] in tried_empty_caps:
                    continue
                tried_empty_caps.add(caps[i])
            if any(q in partners[pid] for q in placed[i]):
                continue
            steps += 1
            if steps > SEARCH_LIMIT:
                return False
            placed[i].append(pid)
            if search(k + 1):
                return True
            placed[i].pop()
        return False

    if search(0):
        return placed
    return greedy


def assign(strategy: str, people: Sequence[Person], n_groups: int, *, rng: random.Random,
           history: set[Pair] | None = None, choices: Mapping[int, int] | None = None,
           cap: int | None = None) -> list[list[int]]:
    """Dispatch by strategy name (BreakoutRound.Strategy values)."""
    if strategy == NO_REPEAT:
        return no_repeat(people, n_groups, rng=rng, history=history)
    if strategy == SELF_SELECT:
        return self_select(people, n_groups, rng=rng, choices=choices, cap=cap)
    func = {
        MANUAL: manual, RANDOM: random_balanced, MIXED_COUNTRIES: mixed_countries,
        MIXED_STAKEHOLDERS: mixed_stakeholders, SAME_STAKEHOLDER: same_stakeholder,
    }.get(strategy)
    if func is None:
        raise ValueError(f"unknown strategy {strategy!r}")
    return func(people, n_groups, rng=rng)


def place_late_joiner(strategy: str, person: Person, groups: Sequence[Sequence[Person]], *,
                      rng: random.Random, history: set[Pair] | None = None) -> int | None:
    """Index of the group a late joiner goes to, or None for the waiting list (manual
    and self-select: the facilitator or the person decides).

    Always one of the smallest groups, so balanced groups stay balanced; among those,
    the strategy's preference: a group without their country / stakeholder group (mixed),
    with the most of their stakeholder group (same), with the fewest earlier partners
    (no repeat), any (random)."""
    if strategy in (MANUAL, SELF_SELECT) or not groups:
        return None
    smallest = min(len(g) for g in groups)
    candidates = [i for i, g in enumerate(groups) if len(g) == smallest]
    history = history or set()

    def score(i: int) -> tuple:
        members = groups[i]
        if strategy == MIXED_COUNTRIES:
            return (sum(1 for m in members if m.country == person.country),)
        if strategy == MIXED_STAKEHOLDERS:
            return (sum(1 for m in members if m.stakeholder == person.stakeholder),)
        if strategy == SAME_STAKEHOLDER:
            return (-sum(1 for m in members if m.stakeholder == person.stakeholder),)
        if strategy == NO_REPEAT:
            return (sum(1 for m in members if frozenset((m.id, person.id)) in history),)
        return (0,)

    best = min(score(i) for i in candidates)
    return rng.choice([i for i in candidates if score(i) == best])


def distinct_counts(groups: Sequence[Sequence[Person]], key: Callable[[Person], str]) -> list[int]:
    return [len(Counter(key(p) for p in g)) for g in groups]
