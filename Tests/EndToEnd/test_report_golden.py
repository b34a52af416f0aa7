"""The delivery reports of Tests/QueueTests/Golden (written by the Swift queue and compared
byte for byte there) read by an independent parser: Python's email package must see an
RFC 6522 multipart/report with an RFC 3464 message/delivery-status part."""

from email import message_from_bytes, policy
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1] / "QueueTests" / "Golden"


def parse(name):
    return message_from_bytes((GOLDEN / name).read_bytes(), policy=policy.default)


@pytest.mark.parametrize("name", ["failure-headers.eml", "failure-full.eml", "delay.eml"])
def test_report_is_multipart_report_with_delivery_status(name):
    report = parse(name)
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    assert report["Auto-Submitted"] == "auto-replied"
    assert report["To"].addresses[0].addr_spec == "alice@example.test"
    human, status, original = report.get_payload()
    assert human.get_content_type() == "text/plain"
    assert status.get_content_type() == "message/delivery-status"
    per_message, *recipients = status.get_payload()
    assert per_message["Reporting-MTA"] == "dns; mail.example.test"
    assert per_message["Original-Envelope-Id"] == "QQ314159"
    assert [r["Final-Recipient"] for r in recipients] == ["rfc822; bob@localhost", "rfc822; carol@localhost"]
    action = "delayed" if name == "delay.eml" else "failed"
    assert {r["Action"] for r in recipients} == {action}
    assert {r["Status"][0] for r in recipients} == {"4" if action == "delayed" else "5"}
    assert all(r["Diagnostic-Code"].startswith("smtp; ") for r in recipients)


def test_headers_only_unless_ret_full():
    headers = parse("failure-headers.eml").get_payload()[2]
    assert headers.get_content_type() == "text/rfc822-headers"
    assert "see you at noon" not in headers.get_content()
    assert "Subject: lunch" in headers.get_content()
    full = parse("failure-full.eml").get_payload()[2]
    assert full.get_content_type() == "message/rfc822"
    returned = full.get_payload()[0]
    assert returned["Subject"] == "lunch"
    assert returned.get_content().strip() == "see you at noon"
    # RFC 3461 §4.3: a delay report carries the headers only, whatever RET says.
    assert parse("delay.eml").get_payload()[2].get_content_type() == "text/rfc822-headers"
