"""The hash covers canonical JSON; the hand-built form must equal json.dumps exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ledger.clock import to_text
from ledger.events import GENESIS, Event, canonical

texts = st.text(max_size=30)
details = st.dictionaries(texts, st.one_of(texts, st.integers(), st.booleans(), st.none()))


@given(texts, texts, texts, details)
def test_canonical_is_sorted_compact_json(media_id: str, operator: str, site: str, detail) -> None:
    at = datetime(2025, 12, 24, 9, 30, tzinfo=UTC)
    event = Event("e-1", media_id, "receive", at, at, site, operator, detail)
    body = {
        "event_id": "e-1",
        "media_id": media_id,
        "action": "receive",
        "at": to_text(at),
        "recorded_at": to_text(at),
        "site": site,
        "operator": operator,
        "detail": detail,
        "prev": GENESIS,
    }
    expected = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical(event, GENESIS) == expected


def test_new_event_ids_are_random_version_4_uuids() -> None:
    import uuid

    from ledger.events import new_event_ids

    ids = new_event_ids(2000)
    assert len(set(ids)) == 2000
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
