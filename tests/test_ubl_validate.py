"""Validation against the vendored official rules: examples, invalid files, unit tests."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from pipeline.core.errors import HostileXml
from pipeline.ubl import belgian
from pipeline.ubl.findings import fields_for
from pipeline.ubl.rules import RULESETS, active_ruleset
from pipeline.ubl.validate import validate

REPO = Path(__file__).resolve().parents[1]
PEPPOL = Path(__file__).resolve().parents[2] / "shared" / "peppol"
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"

needs_shared = pytest.mark.skipif(not PEPPOL.exists(), reason="../shared/peppol not present (user clone)")


def _files(pattern: str) -> list[Path]:
    return sorted(PEPPOL.glob(pattern)) if PEPPOL.exists() else []


# ------------------------------------------------------------- vendored rule files
def test_vendored_rules_exist_and_match_checksums() -> None:
    rules = REPO / "pipeline" / "ubl" / "rules"
    for line in (rules / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        import hashlib

        assert hashlib.sha256((rules / name).read_bytes()).hexdigest() == digest, name
    for ruleset in RULESETS.values():
        for path in ruleset.files():
            assert path.is_file(), path
    assert (rules / "LICENSE-EUPL-1.2-CEN-artefacts.txt").is_file()


def test_active_ruleset_by_date_and_env() -> None:
    assert active_ruleset(date(2026, 11, 29), env={}).id == "peppol-bis-3.0.21"
    assert active_ruleset(date(2020, 1, 1), env={}).id == "peppol-bis-3.0.21"  # oldest known
    assert active_ruleset(env={"UBL_RULESET": "peppol-bis-3.0.21"}).id == "peppol-bis-3.0.21"
    with pytest.raises(KeyError):
        active_ruleset(env={"UBL_RULESET": "peppol-bis-9"})


# ---------------------------------------------------------------------- examples
@needs_shared
@pytest.mark.parametrize("path", _files("examples/valid/peppol/*/*.xml"), ids=lambda p: p.name)
def test_valid_peppol_examples_pass(path: Path) -> None:
    report = validate(path.read_bytes())
    assert report.fatal == (), [str(f) for f in report.fatal]
    if path.name != "be-invoice-0208-ublbe-compatible.xml":
        assert report.warnings == (), [str(f) for f in report.warnings]
    else:
        assert report.warning_ids == {"UBL-CR-504", "UBL-CR-561", "UBL-CR-597"}


def _invalid_cases() -> list[dict]:
    path = PEPPOL / "examples" / "invalid" / "derived-belgian" / "expected.json"
    return json.loads(path.read_text()) if path.exists() else []


@needs_shared
@pytest.mark.parametrize("case", _invalid_cases(), ids=lambda c: c["file"])
def test_invalid_examples_fail_with_expected_rules(case: dict) -> None:
    data = (PEPPOL / "examples" / "invalid" / "derived-belgian" / case["file"]).read_bytes()
    report = validate(data)
    assert set(case["expect_fatal"]) <= report.fatal_ids
    official = {f.rule_id for f in report.fatal if f.layer != "own"}
    assert official == set(case["observed_fatal"])


@needs_shared
def test_findings_name_our_fields() -> None:
    base = PEPPOL / "examples" / "invalid" / "derived-belgian"
    report = validate((base / "be-inv-wrong-payable.xml").read_bytes())
    assert report.fields_in_error() == {"total_incl_vat"}
    report = validate((base / "be-inv-bad-kbo-checkdigit.xml").read_bytes())
    r043 = [f for f in report.fatal if f.rule_id == "PEPPOL-COMMON-R043"]
    assert r043 and r043[0].fields == ("supplier_enterprise_number",)
    assert r043[0].location.startswith("/")


# ------------------------------------------------------------------ unit tests
def _unit_tests(folder: str, layer: str) -> list[tuple[str, str, str, str, bytes]]:
    cases = []
    for path in _files(f"examples/unit-tests/{folder}/*.xml"):
        root = etree.parse(str(path)).getroot()
        for number, test in enumerate(root.iter(f"{VEFA}test")):
            fragment = next(c for c in test if isinstance(c.tag, str) and not c.tag.startswith(VEFA))
            xml = etree.tostring(fragment)
            for expect in test.find(f"{VEFA}assert"):
                kind = etree.QName(expect).localname
                if kind in ("success", "error", "warning"):
                    cases.append((f"{path.name}#{number}", layer, kind, expect.text.strip(), xml))
    return cases


UNIT_CASES = _unit_tests("peppol-bis-billing-3.0.19/unit-UBL-PEPPOL", "peppol") + _unit_tests(
    "cen-en16931-ubl-1.3.16/*-unit-UBL", "cen"
)


@needs_shared
def test_unit_test_count() -> None:
    assert sum(1 for c in UNIT_CASES if c[1] == "peppol") == 221
    assert sum(1 for c in UNIT_CASES if c[1] == "cen") == 1133


@needs_shared
def test_official_schematron_unit_tests_hold() -> None:
    """All 221 Peppol + 1133 CEN expectations (about 5 s on 2 cores, so not sampled)."""
    cache: dict[tuple[bytes, str], set[tuple[str, str]]] = {}
    failures = []
    for name, layer, kind, rule_id, xml in UNIT_CASES:
        key = (xml, layer)
        if key not in cache:
            report = validate(xml, layers=(layer,))
            cache[key] = {(f.rule_id, f.flag) for f in report.findings}
        fired = cache[key]
        if kind == "success":
            ok = rule_id not in {r for r, _ in fired}
        else:
            ok = (rule_id, "fatal" if kind == "error" else "warning") in fired
        if not ok:
            failures.append(f"{name} {kind} {rule_id}")
    assert failures == []


# ------------------------------------------------------------------- hostile XML
@pytest.mark.parametrize(
    "xml",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.com/x.dtd"><x/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><x>&a;</x>'.encode("utf-16"),
    ],
)
def test_hostile_xml_refused(xml: bytes) -> None:
    with pytest.raises(HostileXml):
        validate(xml)


def test_wrong_root_is_an_xsd_finding() -> None:
    report = validate(b"<Order xmlns='urn:x'/>", layers=("xsd",))
    assert report.fatal_ids == {"XSD"}


# ------------------------------------------------------------- Belgian checks
def test_belgian_checks() -> None:
    assert belgian.ogm_valid("+++202/6000/04236+++")
    assert not belgian.ogm_valid("+++202/6000/04237+++")
    assert belgian.ogm_valid("***000/0000/09797***")  # remainder 0 -> 97
    assert belgian.format_ogm("202600004236") == "+++202/6000/04236+++"
    assert belgian.kbo_valid("0123456749") and not belgian.kbo_valid("0123456748")
    assert not belgian.kbo_valid("BE0123456749")
    assert belgian.be_vat_valid("BE 0123.456.749")
    assert belgian.kbo_from_vat("BE0987654394") == "0987654394"
    assert belgian.kbo_from_vat("NL123456789B01") is None


def test_fields_from_bt_references() -> None:
    assert fields_for("BR-XX", "[BR-XX] Buyer VAT identifier (BT-48) ...", "") == ("customer_vat",)
    assert fields_for("PEPPOL-COMMON-R043", "", "/x/AccountingCustomerParty/y") == ("customer_enterprise_number",)


def test_warm_up_compiles_and_runs_every_layer_once(monkeypatch) -> None:
    """The workbench without workers warms the rules at start, so the first save does not pay for it."""
    from pipeline.api import upkeep
    from pipeline.ubl import validate as validation

    ran: list[tuple[str, ...]] = []
    real = validation.validate

    def recorded(xml_bytes, **kwargs):  # type: ignore[no-untyped-def]
        report = real(xml_bytes, **kwargs)
        ran.append(report.layers)
        return report

    monkeypatch.setattr(validation, "validate", recorded)
    upkeep.warm_release_rules()
    rs = validation.active_ruleset()
    assert ran == [validation.ALL_LAYERS]
    assert {rs.cen_xslt, rs.peppol_xslt} <= set(validation._ENGINES._xslt)
    assert {rs.invoice_xsd, rs.creditnote_xsd} <= set(validation._ENGINES._xsd)
