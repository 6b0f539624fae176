"""CONFIRM_BASE_URL with a custom domain: the changes moto does not serve
(a new certificate, a root mapping held by another API), with botocore's
Stubber, so every call's parameters are checked against the service model."""

from __future__ import annotations

import copy

import boto3
import pytest
from botocore.stub import Stubber

from provision import confirm_link, stages
from provision.core import Provisioner

STAGE, REGION = "prod", "ap-northeast-2"
DOMAIN = "go.partner.example"
OLD_CERT = f"arn:aws:acm:{REGION}:123456789012:certificate/old"
NEW_CERT = f"arn:aws:acm:{REGION}:123456789012:certificate/new"
WANTED = {"CertificateArn": NEW_CERT, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}


@pytest.fixture
def prov(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    config = copy.deepcopy(stages.load_config())
    # The stage's choice of a custom domain (its settings in provision/stages.py).
    monkeypatch.setitem(stages.STAGES[STAGE], "settings", {
        **stages.settings(STAGE),
        "CONFIRM_DOMAIN_NAME": DOMAIN, "CONFIRM_CERTIFICATE_ARN": NEW_CERT})
    lines: list[str] = []
    p = Provisioner(STAGE, region=REGION, config=config, progress=lines.append)
    p.env["API_URL"] = "https://abcdefghij.execute-api.ap-northeast-2.amazonaws.com"
    p.http_api_id = "abcdefghij"
    p.lines = lines
    client = boto3.session.Session().client("apigatewayv2", region_name=REGION)
    p._clients["apigatewayv2"] = client
    return p, client


def test_new_certificate_and_a_root_mapping_of_another_api_are_taken_over(prov):
    p, client = prov
    regional = {"ApiGatewayDomainName": "d-abc123.execute-api.ap-northeast-2.amazonaws.com",
                "HostedZoneId": "Z20JF4UZKIW1U8"}
    with Stubber(client) as stub:
        stub.add_response("get_domain_name", {"DomainName": DOMAIN, "DomainNameConfigurations": [
            {"CertificateArn": OLD_CERT, "EndpointType": "REGIONAL", **regional}]},
            {"DomainName": DOMAIN})
        stub.add_response("update_domain_name", {"DomainName": DOMAIN, "DomainNameConfigurations": [
            {**WANTED, **regional}]}, {"DomainName": DOMAIN, "DomainNameConfigurations": [WANTED]})
        stub.add_response("get_api_mappings", {"Items": [
            {"ApiId": "otherapi01", "ApiMappingId": "m1", "ApiMappingKey": "", "Stage": "$default"},
            {"ApiId": "otherapi01", "ApiMappingId": "m2", "ApiMappingKey": "v2",
             "Stage": "$default"}]}, {"DomainName": DOMAIN})
        stub.add_response("delete_api_mapping", {}, {"ApiMappingId": "m1", "DomainName": DOMAIN})
        stub.add_response("create_api_mapping", {"ApiId": "abcdefghij", "ApiMappingId": "m3"},
                          {"DomainName": DOMAIN, "ApiId": "abcdefghij", "Stage": "$default"})
        assert confirm_link.ensure(p) == f"https://{DOMAIN}"
        stub.assert_no_pending_responses()
    assert p.env["CONFIRM_BASE_URL"] == f"https://{DOMAIN}"
    assert p.dns_record == (f"{DOMAIN}. CNAME d-abc123.execute-api.ap-northeast-2.amazonaws.com"
                            " (Route 53이면 별칭 A 레코드, 호스팅 영역 Z20JF4UZKIW1U8)")
    assert any(p.dns_record in line for line in p.lines)
    assert len(p.changes) == 3


def test_everything_in_place_changes_nothing(prov):
    p, client = prov
    with Stubber(client) as stub:
        target = "d-abc123.execute-api.ap-northeast-2.amazonaws.com"
        stub.add_response("get_domain_name", {"DomainName": DOMAIN, "DomainNameConfigurations": [
            {**WANTED, "ApiGatewayDomainName": target}]}, {"DomainName": DOMAIN})
        stub.add_response("get_api_mappings", {"Items": [
            {"ApiId": "abcdefghij", "ApiMappingId": "m3", "ApiMappingKey": "",
             "Stage": "$default"}]}, {"DomainName": DOMAIN})
        confirm_link.ensure(p)
        stub.assert_no_pending_responses()
    assert p.changes == []
