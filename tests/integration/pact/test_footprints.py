"""ListFootprints / GetFootprint over real HTTPS (pact-v3.md §2.3-2.4)."""

from __future__ import annotations

import json
from decimal import Decimal

import schemas
from gateway.pact.app import OPENAPI_FILE
from schemas.translate.pact_file import dataset_from_pact_file
from schemas.violations import errors
from tests.integration.pact.conftest import OTHER, OTHER_SECRET, Pact


def _ids(pact: Pact, **params) -> set[str]:
    answer = pact.get("/3/footprints", **params)
    assert answer.status_code == 200, answer.text
    by_id = {v: k for k, v in pact.ids.items()}
    return {by_id[f["id"]] for f in answer.json()["data"]}


def test_listing_shows_what_the_usage_policy_shares_with_the_clients_org(pact: Pact) -> None:
    assert _ids(pact) == {"laptop-cn", "laptop-de", "cells-fr"}
    other = pact.token(OTHER, OTHER_SECRET)
    answer = pact.get("/3/footprints", token=other)
    names = {k for k, v in pact.ids.items() if v in {f["id"] for f in answer.json()["data"]}}
    assert names == {"laptop-cn", "cells-fr", "private"}


def test_every_filter_alone(pact: Pact) -> None:
    assert _ids(pact, productId="urn:gtin:04000000000001") == {"laptop-de"}
    assert _ids(pact, productId="URN:GTIN:04000000000001") == {"laptop-de"}  # case-insensitive
    assert _ids(pact, companyId="urn:pact:cells.example:company-id:FR1") == {"cells-fr"}
    assert _ids(pact, geography="DE") == {"laptop-de"}
    assert _ids(pact, classification="urn:pact:wcoomd.org:hs-code:847130") == {"laptop-de"}
    assert _ids(pact, status="Active") == {"laptop-cn", "laptop-de", "cells-fr"}
    assert _ids(pact, status="Deprecated") == set()
    # validity defaults to [referencePeriodEnd, +3 years] (§1.1)
    assert _ids(pact, validOn="2024-06-01T00:00:00Z") == {"cells-fr"}
    assert _ids(pact, validAfter="2024-06-01T00:00:00Z") == {"laptop-cn", "laptop-de"}
    assert _ids(pact, validBefore="2027-06-01T00:00:00Z") == {"cells-fr"}


def test_or_within_a_parameter_and_across_parameters(pact: Pact) -> None:
    assert _ids(pact, geography=["DE", "FR"]) == {"laptop-de", "cells-fr"}
    assert _ids(pact, geography=["DE", "FR"], productId="urn:gtin:03000000000002") == {"cells-fr"}
    assert _ids(pact, geography="CN", validOn="2024-06-01T00:00:00Z") == set()


def test_a_filter_matching_nothing_is_an_empty_list_not_an_error(pact: Pact) -> None:
    answer = pact.get("/3/footprints", productId="urn:gtin:00000000000000")
    assert (answer.status_code, answer.json()) == (200, {"data": []})


def test_bad_filters_are_bad_requests_and_odata_is_not_implemented(pact: Pact) -> None:
    for params, status, code in [
        ({"status": "Gone"}, 400, "BadRequest"),
        ({"validOn": "yesterday"}, 400, "BadRequest"),
        ({"limit": "-1"}, 400, "BadRequest"),
        ({"colour": "red"}, 400, "BadRequest"),
        ({"$filter": "companyIds/any(c:(c eq 'x'))"}, 501, "NotImplemented"),
    ]:
        answer = pact.get("/3/footprints", **params)
        assert answer.status_code == status
        assert answer.json() == {"code": code, "message": answer.json()["message"]}
    assert pact.get("/3/footprints", **{"x-acme-ref": "1"}).status_code == 200  # vendor prefix


def test_pagination_to_the_end_with_absolute_links_stable_under_inserts(pact: Pact) -> None:
    token = pact.token()
    seen, pages = [], 0
    answer = pact.get("/3/footprints", token=token, limit=1)
    while True:
        pages += 1
        assert answer.status_code == 200
        data = answer.json()["data"]
        assert len(data) <= 1
        seen += [f["id"] for f in data]
        link = answer.headers.get("link")
        if link is None:
            break
        assert link.startswith(f"<{pact.base}/3/footprints?")
        assert link.endswith('>; rel="next"')
        if pages == 1:  # inserted mid-listing: not part of this listing
            pact.submit("late", usagePolicy={"shareWith": ["public"]})
        with pact.http() as http:
            answer = http.get(link[1:].split(">;")[0], headers={"Authorization": f"Bearer {token}"})
    assert sorted(seen) == sorted(pact.ids[n] for n in ("laptop-cn", "laptop-de", "cells-fr"))
    assert pact.ids["late"] in {f["id"] for f in pact.get("/3/footprints").json()["data"]}


def test_a_next_link_is_bound_to_its_query_and_cannot_be_forged(pact: Pact) -> None:
    answer = pact.get("/3/footprints", limit=1)
    link = answer.headers["link"][1:].split(">;")[0]
    cursor = link.split("x-cfx-cursor=")[1]
    moved = pact.get("/3/footprints", geography="DE", **{"x-cfx-cursor": cursor})
    assert (moved.status_code, moved.json()["code"]) == (400, "BadRequest")
    forged = pact.get("/3/footprints", **{"x-cfx-cursor": cursor[:-2] + "AA"})
    assert forged.status_code == 400


def test_get_gives_the_footprint_403_when_not_shared_404_when_unknown(pact: Pact) -> None:
    answer = pact.get(f"/3/footprints/{pact.ids['laptop-de']}")
    assert answer.status_code == 200
    assert answer.json()["data"]["id"] == pact.ids["laptop-de"]
    denied = pact.get(f"/3/footprints/{pact.ids['private']}")
    assert (denied.status_code, denied.json()["code"]) == (403, "AccessDenied")
    missing = pact.get("/3/footprints/00000000-0000-4000-8000-000000000000")
    assert (missing.status_code, missing.json()["code"]) == (404, "NotFound")
    not_uuid = pact.get("/3/footprints/non-existent-id")  # conformance TC8: 404, not 400
    assert (not_uuid.status_code, not_uuid.json()["code"]) == (404, "NotFound")


def test_served_footprints_are_valid_under_the_strict_schema_with_decimal_strings(
    pact: Pact,
) -> None:
    for served in pact.get("/3/footprints").json()["data"]:
        assert served["specVersion"].startswith("3.")
        assert isinstance(served["pcf"]["pcfExcludingBiogenicUptake"], str)
        translation = dataset_from_pact_file(served)
        assert translation is not None
        assert errors(schemas.validate(translation.document)) == []
        assert any(
            e["dataSchema"].endswith("pact-extension.schema.json") for e in served["extensions"]
        )


def test_a_cfx_client_follows_links_to_the_signed_credential_and_its_receipts(pact: Pact) -> None:
    pf_id = pact.ids["laptop-de"]
    answer = pact.get(f"/3/footprints/{pf_id}")
    links = {
        part.split(">;")[1].strip().removeprefix('rel="').removesuffix('"'): part.split(">;")[
            0
        ].strip("< ")
        for part in answer.headers["link"].split(", ")
    }
    token = pact.token()
    with pact.http() as http:
        headers = {"Authorization": f"Bearer {token}"}
        credential = http.get(links["https://w3id.org/cfx/rel/credential"], headers=headers)
        receipts = http.get(links["https://w3id.org/cfx/rel/receipts"], headers=headers)
    assert credential.json()["credentialSubject"]["id"] == f"urn:uuid:{pf_id}"
    assert "proof" in credential.json()
    assert receipts.status_code == 200
    assert "receipt" in receipts.json()
    private = pact.get(f"/cfx/v1/datasets/{pact.ids['private']}/credential")
    assert private.status_code == 403


def test_v2_serves_translated_footprints_and_refuses_odata(pact: Pact) -> None:
    v3 = pact.get(f"/3/footprints/{pact.ids['laptop-de']}").json()["data"]
    v2 = pact.get(f"/2/footprints/{pact.ids['laptop-de']}")
    assert v2.status_code == 200
    body = v2.json()["data"]
    assert body["specVersion"].startswith("2.")
    assert "unitaryProductAmount" in body["pcf"]
    amount = Decimal(v3["pcf"]["declaredUnitAmount"])  # v2 figures are per one unit (ADR-36)
    per_unit = Decimal(v3["pcf"]["pcfExcludingBiogenicUptake"]) / amount
    assert Decimal(body["pcf"]["pCfExcludingBiogenic"]) == per_unit
    odata = pact.get("/2/footprints", **{"$filter": "productCategoryCpc eq '3342'"})
    assert (odata.status_code, odata.json()["code"]) == (400, "NotImplemented")
    missing = pact.get("/2/footprints/00000000-0000-4000-8000-000000000000")
    assert (missing.status_code, missing.json()["code"]) == (404, "NoSuchFootprint")
    assert pact.get("/2/footprints").status_code == 200


def test_the_served_openapi_document_is_the_one_in_the_repository(pact: Pact) -> None:
    with pact.http() as http:
        served = http.get("/openapi.json")
    assert served.json() == json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert {"/3/footprints", "/3/footprints/{id}", "/3/events", "/auth/token"} <= set(
        served.json()["paths"]
    )


def test_v2_lists_page_to_the_end_with_absolute_v2_links(pact: Pact) -> None:
    token, seen = pact.token(), []
    answer = pact.get("/2/footprints", token=token, limit=1)
    while True:
        assert answer.status_code == 200
        seen += [(f["id"], f["specVersion"][:2]) for f in answer.json()["data"]]
        link = answer.headers.get("link")
        if link is None:
            break
        assert link.startswith(f"<{pact.base}/2/footprints?")
        with pact.http() as http:
            answer = http.get(link[1:].split(">;")[0], headers={"Authorization": f"Bearer {token}"})
    assert len(seen) >= 3
    assert {version for _, version in seen} == {"2."}
    assert len({pf_id for pf_id, _ in seen}) == len(seen)
    unknown = pact.get("/2/footprints", productId="urn:gtin:1")  # a v3 filter is not v2
    assert (unknown.status_code, unknown.json()["code"]) == (400, "BadRequest")
