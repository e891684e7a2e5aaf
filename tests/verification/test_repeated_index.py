"""A node named twice with the same ``@index``: pyld 3.3 raised TypeError in its node map
(``input_['@index']['@id']`` on a string), a 500 on the public verify endpoint."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Factory


def test_a_node_twice_with_one_index_is_refused_not_a_500(
    app_client: TestClient, factory: Factory
) -> None:
    vc: Any = factory.issue(factory.caller())
    node = {"id": "https://ex.org/a", "@index": "1"}
    document = {
        **vc,
        "@context": [*vc["@context"], {"rel": "https://ex.org/rel"}],
        "rel": [node, dict(node)],
    }
    answer = app_client.post("/credentials/verify", json={"verifiableCredential": document})
    assert answer.status_code == 400, answer.text
    assert answer.json()["verified"] is False
