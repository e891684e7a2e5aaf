"""Status-list indexes from a counter (app/core/status/index_permutation.py): a bijection of
the list's indexes, so claims of distinct counters never pick the same index, and an order no
one without the key can read."""

from __future__ import annotations

import pytest

from app.core.status.index_permutation import IndexPermutation, list_key


@pytest.mark.parametrize("size", [2, 3, 7, 1000, 4096, 131_072])
def test_every_counter_has_its_own_index_inside_the_list(size: int) -> None:
    permutation = IndexPermutation(b"secret", size)
    assert sorted(permutation.index(n) for n in range(size)) == list(range(size))


def test_the_order_depends_on_the_key_and_the_list_and_is_not_the_counters() -> None:
    one = [IndexPermutation(list_key(b"s", "list-a"), 131_072).index(n) for n in range(50)]
    other_list = [IndexPermutation(list_key(b"s", "list-b"), 131_072).index(n) for n in range(50)]
    other_key = [IndexPermutation(list_key(b"t", "list-a"), 131_072).index(n) for n in range(50)]
    assert one != other_list and one != other_key
    assert one != sorted(one)  # not issuance order
    assert max(one) - min(one) > 50_000  # spread over the list, not a neighbourhood


def test_counters_outside_the_list_are_refused() -> None:
    permutation = IndexPermutation(b"secret", 10)
    with pytest.raises(ValueError):
        permutation.index(10)
    with pytest.raises(ValueError):
        IndexPermutation(b"secret", 1)
