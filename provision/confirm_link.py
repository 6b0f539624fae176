"""Where the partner's SMS link points: ``CONFIRM_BASE_URL``.

With a custom domain (the stage's settings ``CONFIRM_DOMAIN_NAME`` and
``CONFIRM_CERTIFICATE_ARN`` in provision/stages.py) the HTTP API gets a
Regional custom domain name and an API mapping of its ``$default`` stage, and
the DNS record to create is printed (a CNAME, or a Route 53 alias, to API
Gateway's regional domain name). Without one, the link is the HTTP API's own
URL (``https://<id>.execute-api.<region>.amazonaws.com``, which the SMS fits:
see chalicelib.partner.sms). Either way the URL reaches ``/r/{token}`` on the
HTTP API once ``--after-deploy`` has wired its routes.

A Regional custom domain needs an ACM certificate in the API's own region
(AWS: "This certificate must be in the same Region as your API"); another
region's certificate is refused here, before any call.
"""

from __future__ import annotations

from typing import Any

from chalicelib.aws import error_code
from provision import http_api

DOMAIN_SETTING = "CONFIRM_DOMAIN_NAME"
CERTIFICATE_SETTING = "CONFIRM_CERTIFICATE_ARN"
ENDPOINT_TYPE = "REGIONAL"
SECURITY_POLICY = "TLS_1_2"
MAPPING_STAGE = http_api.STAGE_NAME  # "$default": the URL has no stage path


class ConfirmLinkError(SystemExit):
    """A setting that cannot work; the message says which and what to do."""


def stage_setting(prov: Any, name: str) -> str:
    """The stage's own choice (provision/stages.py ``settings``)."""
    return str(prov.env.get(name) or "").strip()


def _check(prov: Any, domain: str, certificate: str) -> None:
    if bool(domain) != bool(certificate):
        raise ConfirmLinkError(
            f"{DOMAIN_SETTING}와 {CERTIFICATE_SETTING}는 함께 설정해야 합니다 "
            f"(provision/stages.py의 '{prov.stage}' 스테이지 settings).")
    parts = certificate.split(":")
    if len(parts) < 6 or parts[2] != "acm":
        raise ConfirmLinkError(f"{CERTIFICATE_SETTING}가 ACM 인증서 ARN이 아닙니다.")
    if parts[3] != prov.region:
        raise ConfirmLinkError(
            f"{CERTIFICATE_SETTING}의 인증서는 {parts[3]} 리전에 있어요. 사용자 지정 도메인"
            f"(Regional)은 API와 같은 리전({prov.region})의 ACM 인증서가 필요합니다.")


def _ensure_domain(prov: Any, domain: str, certificate: str) -> dict[str, Any]:
    apigw = prov.client("apigatewayv2")
    wanted = {"CertificateArn": certificate, "EndpointType": ENDPOINT_TYPE,
              "SecurityPolicy": SECURITY_POLICY}
    try:
        found = apigw.get_domain_name(DomainName=domain)
    except Exception as exc:
        if error_code(exc) != "NotFoundException":
            raise
        found = apigw.create_domain_name(DomainName=domain,
                                         DomainNameConfigurations=[wanted])
        prov.changed(f"custom domain {domain}")
        return found
    configs = found.get("DomainNameConfigurations") or [{}]
    if configs[0].get("CertificateArn") != certificate:
        found = apigw.update_domain_name(DomainName=domain,
                                         DomainNameConfigurations=[wanted])
        prov.changed(f"custom domain {domain}: certificate")
    return found


def _ensure_mapping(prov: Any, domain: str, api_id: str) -> None:
    apigw = prov.client("apigatewayv2")
    mappings = apigw.get_api_mappings(DomainName=domain).get("Items", [])
    root = [m for m in mappings if not m.get("ApiMappingKey")]
    if any(m.get("ApiId") == api_id and m.get("Stage") == MAPPING_STAGE for m in root):
        return
    for mapping in root:  # the root path serves another API or stage: ours now
        apigw.delete_api_mapping(ApiMappingId=mapping["ApiMappingId"], DomainName=domain)
        prov.changed(f"custom domain {domain}: mapping to {mapping.get('ApiId')} removed")
    apigw.create_api_mapping(DomainName=domain, ApiId=api_id, Stage=MAPPING_STAGE)
    prov.changed(f"custom domain {domain} -> HTTP API {api_id} ({MAPPING_STAGE})")


def dns_record(domain: str, found: dict[str, Any]) -> str:
    """The record to create at the domain's DNS host, as one line."""
    config = (found.get("DomainNameConfigurations") or [{}])[0]
    target = config.get("ApiGatewayDomainName") or "(API Gateway 콘솔의 'API Gateway 도메인 이름')"
    zone = config.get("HostedZoneId")
    alias = f" (Route 53이면 별칭 A 레코드, 호스팅 영역 {zone})" if zone else ""
    return f"{domain}. CNAME {target}{alias}"


def ensure(prov: Any) -> str:
    """Sets ``CONFIRM_BASE_URL`` in the stage's environment; returns it."""
    domain = stage_setting(prov, DOMAIN_SETTING).rstrip(".").lower()
    certificate = stage_setting(prov, CERTIFICATE_SETTING)
    api_url = prov.env.get("API_URL") or http_api.ensure_api(prov)
    if not domain and not certificate:
        url = api_url.rstrip("/")
    else:
        _check(prov, domain, certificate)
        api_id = getattr(prov, "http_api_id", None) or http_api.ensure_and_id(prov)
        found = _ensure_domain(prov, domain, certificate)
        _ensure_mapping(prov, domain, api_id)
        prov.dns_record = dns_record(domain, found)
        prov._progress(f"  DNS에 이 레코드를 만들어 주세요: {prov.dns_record}")
        url = f"https://{domain}"
    prov.env["CONFIRM_BASE_URL"] = url
    return url
