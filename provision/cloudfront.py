"""The stage's HTTPS front door: one CloudFront distribution.

- default behaviour: the web bucket's S3 *website* endpoint (static website
  hosting stays on, seed 001 req. 8.5; a website endpoint speaks HTTP only, so
  CloudFront reaches it over HTTP and the viewer always over HTTPS), cached with
  the managed CachingOptimized policy (the pages are sent ``no-cache``, so a
  new deploy shows at once);
- ``/api/*`` and ``/r/*``: the HTTP API, over HTTPS, every method, no caching
  (managed CachingDisabled), every viewer header except Host, every query
  string and cookie (managed AllViewerExceptHostHeader: API Gateway routes
  by its own Host name);
- viewers: HTTP redirected to HTTPS, HTTP/2 and HTTP/3, IPv6, compression;
- a response headers policy with the headers the app sends itself locally
  (chalicelib/static_site.py): the same Content-Security-Policy (with
  ``frame-ancestors 'none'``), ``nosniff``, ``no-referrer``, ``DENY`` framing,
  plus HSTS (two years). The app's own headers win where it sends them (the
  partner page's stricter CSP); S3 sends none, so the pages get these;
- the stage's WAF web ACL (provision/waf.py);
- optional custom domain: the stage's ``FRONT_DOOR_DOMAIN_NAME`` and
  ``FRONT_DOOR_CERTIFICATE_ARN`` (an ACM certificate in us-east-1, where
  CloudFront takes certificates from).

The pages and the API share this one origin, so the page calls the API on its
own origin (config.js ``apiBaseUrl`` empty) and the HTTP API's CORS names only
this origin. ``WEB_URL``, ``PUBLIC_URL`` and (without a custom link domain)
``CONFIRM_BASE_URL`` become the distribution's HTTPS address: the partner's
SMS link is 37 characters shorter than execute-api's.

The distribution is found again by its Comment (``partnerline-<stage> front
door``), so every clone updates the same one; an update is sent only when a
field we set differs.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib import names
from chalicelib.static_site import SECURITY_HEADERS
from provision.errors import StepFailed

# Managed policies (ids from the CloudFront developer guide).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

WEB_ORIGIN, API_ORIGIN = "web", "api"
API_PATHS = ("/api/*", "/r/*")
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
HSTS_SECONDS = 63072000  # two years
PRICE_CLASS = "PriceClass_200"  # includes Korea and Japan; not South America/Oceania
DOMAIN_SETTING = "FRONT_DOOR_DOMAIN_NAME"
CERTIFICATE_SETTING = "FRONT_DOOR_CERTIFICATE_ARN"
# The dashboard's address is /admin: the website serves admin.html there too.
PAGE_ALIASES = {"admin": "admin.html"}


def comment(stage: str) -> str:
    return f"{names.prefix(stage)} front door"


def policy_name(stage: str) -> str:
    return f"{names.prefix(stage)}-security-headers"


def headers_policy_config(stage: str) -> dict[str, Any]:
    return {
        "Name": policy_name(stage),
        "Comment": f"{names.prefix(stage)}: the headers the app sends locally",
        "SecurityHeadersConfig": {
            "ContentSecurityPolicy": {
                "Override": False,
                "ContentSecurityPolicy": SECURITY_HEADERS["Content-Security-Policy"]},
            "ContentTypeOptions": {"Override": False},
            "FrameOptions": {"Override": False, "FrameOption": "DENY"},
            "ReferrerPolicy": {"Override": False, "ReferrerPolicy": "no-referrer"},
            "StrictTransportSecurity": {"Override": True, "IncludeSubdomains": True,
                                        "Preload": False,
                                        "AccessControlMaxAgeSec": HSTS_SECONDS},
        },
    }


def _origin(ident: str, domain: str, protocol: str) -> dict[str, Any]:
    return {"Id": ident, "DomainName": domain, "OriginPath": "",
            "CustomHeaders": {"Quantity": 0},
            "CustomOriginConfig": {
                "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": protocol,
                "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2"]},
                "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5}}


def _methods(items: list[str]) -> dict[str, Any]:
    return {"Quantity": len(items), "Items": items,
            "CachedMethods": {"Quantity": 2, "Items": ["HEAD", "GET"]}}


def api_behaviour(path: str, policy_id: str) -> dict[str, Any]:
    return {"PathPattern": path, "TargetOriginId": API_ORIGIN,
            "ViewerProtocolPolicy": "redirect-to-https", "AllowedMethods": _methods(ALL_METHODS),
            "Compress": True, "CachePolicyId": CACHING_DISABLED,
            "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
            "ResponseHeadersPolicyId": policy_id}


def distribution_config(stage: str, web_domain: str, api_domain: str, policy_id: str,
                        web_acl_arn: str, caller_reference: str,
                        domain: str = "", certificate: str = "") -> dict[str, Any]:
    viewer = ({"ACMCertificateArn": certificate, "SSLSupportMethod": "sni-only",
               "MinimumProtocolVersion": "TLSv1.2_2021"} if certificate
              else {"CloudFrontDefaultCertificate": True})
    return {
        "CallerReference": caller_reference,
        "Comment": comment(stage),
        "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": [domain]} if domain else {"Quantity": 0},
        "Origins": {"Quantity": 2, "Items": [_origin(WEB_ORIGIN, web_domain, "http-only"),
                                             _origin(API_ORIGIN, api_domain, "https-only")]},
        "DefaultCacheBehavior": {
            "TargetOriginId": WEB_ORIGIN, "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": _methods(["HEAD", "GET"]), "Compress": True,
            "CachePolicyId": CACHING_OPTIMIZED, "ResponseHeadersPolicyId": policy_id},
        "CacheBehaviors": {"Quantity": len(API_PATHS),
                           "Items": [api_behaviour(p, policy_id) for p in API_PATHS]},
        "HttpVersion": "http2and3",
        "IsIPV6Enabled": True,
        "PriceClass": PRICE_CLASS,
        "WebACLId": web_acl_arn,
        "ViewerCertificate": viewer,
    }


# What we set and compare (CloudFront adds defaults to everything else).
BEHAVIOUR_KEYS = ("PathPattern", "TargetOriginId", "ViewerProtocolPolicy", "Compress",
                  "CachePolicyId", "OriginRequestPolicyId", "ResponseHeadersPolicyId")


def summary(config: dict[str, Any]) -> dict[str, Any]:
    """The fields of a distribution's config that this module decides."""
    def behaviour(b: dict[str, Any]) -> dict[str, Any]:
        out = {k: b.get(k) or None for k in BEHAVIOUR_KEYS}
        out["AllowedMethods"] = sorted(b.get("AllowedMethods", {}).get("Items", []))
        return out

    return {
        "Comment": config.get("Comment"), "Enabled": config.get("Enabled"),
        "Aliases": sorted(config.get("Aliases", {}).get("Items", []) or []),
        "Origins": sorted((o.get("Id"), o.get("DomainName"),
                           (o.get("CustomOriginConfig") or {}).get("OriginProtocolPolicy"))
                          for o in config.get("Origins", {}).get("Items", [])),
        "Default": behaviour(config.get("DefaultCacheBehavior", {})),
        "Behaviours": sorted((behaviour(b) for b in config.get("CacheBehaviors", {}).get(
            "Items", []) or []), key=lambda b: b["PathPattern"] or ""),
        "HttpVersion": config.get("HttpVersion"), "IsIPV6Enabled": config.get("IsIPV6Enabled"),
        "PriceClass": config.get("PriceClass"), "WebACLId": config.get("WebACLId") or "",
        "Certificate": (config.get("ViewerCertificate") or {}).get("ACMCertificateArn") or "",
    }


def find_distribution(cf: Any, stage: str) -> dict[str, Any] | None:
    for page in cf.get_paginator("list_distributions").paginate():
        for item in page.get("DistributionList", {}).get("Items", []) or []:
            if item.get("Comment") == comment(stage):
                return item
    return None


def find_headers_policy(cf: Any, stage: str) -> dict[str, Any] | None:
    found = cf.list_response_headers_policies(Type="custom")
    for item in found.get("ResponseHeadersPolicyList", {}).get("Items", []) or []:
        policy = item["ResponseHeadersPolicy"]
        if policy["ResponseHeadersPolicyConfig"]["Name"] == policy_name(stage):
            return policy
    return None


def ensure_headers_policy(prov: Any) -> str:
    cf = prov.client("cloudfront")
    wanted = headers_policy_config(prov.stage)
    policy = find_headers_policy(cf, prov.stage)
    if policy is None:
        created = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=wanted)
        prov.changed(f"CloudFront response headers policy {wanted['Name']}")
        return created["ResponseHeadersPolicy"]["Id"]
    current = cf.get_response_headers_policy_config(Id=policy["Id"])
    if current["ResponseHeadersPolicyConfig"] != wanted:
        cf.update_response_headers_policy(Id=policy["Id"], IfMatch=current["ETag"],
                                          ResponseHeadersPolicyConfig=wanted)
        prov.changed(f"CloudFront response headers policy {wanted['Name']}: headers")
    return policy["Id"]


def stage_setting(prov: Any, name: str) -> str:
    from provision import stages

    return str(stages.settings(prov.stage).get(name) or "").strip()


def _domain_and_certificate(prov: Any) -> tuple[str, str]:
    domain = stage_setting(prov, DOMAIN_SETTING).rstrip(".").lower()
    certificate = stage_setting(prov, CERTIFICATE_SETTING)
    if bool(domain) != bool(certificate):
        raise StepFailed(f"{DOMAIN_SETTING}와 {CERTIFICATE_SETTING}는 함께 설정해 주세요 "
                         "(provision/stages.py의 스테이지 settings).")
    if certificate and ":us-east-1:" not in certificate:
        raise StepFailed("CloudFront는 us-east-1(버지니아 북부)의 ACM 인증서만 써요. "
                         f"{CERTIFICATE_SETTING}를 us-east-1 인증서로 바꿔 주세요.")
    return domain, certificate


def public_url(prov: Any) -> str:
    """The front door's HTTPS address, once the distribution exists ("" before)."""
    if prov.env.get("PUBLIC_URL"):
        return prov.env["PUBLIC_URL"]
    domain = stage_setting(prov, DOMAIN_SETTING).rstrip(".").lower()
    found = find_distribution(prov.client("cloudfront"), prov.stage)
    if found is None:
        return ""
    return f"https://{domain or found['DomainName']}"


def _api_domain(prov: Any) -> str:
    url = prov.env.get("API_URL", "")
    return url.split("://", 1)[-1].split("/", 1)[0]


def ensure(prov: Any, web_acl_arn: str) -> str:
    """The distribution (created or brought back to this config); its HTTPS URL."""
    from provision import web

    domain, certificate = _domain_and_certificate(prov)
    cf = prov.client("cloudfront")
    policy_id = ensure_headers_policy(prov)
    bucket = prov.env.get("WEB_BUCKET") or prov.web_bucket_name()
    for key, page in PAGE_ALIASES.items():
        path = web.WEB_DIR / page
        if path.is_file():
            web._put_if_changed(prov, bucket, key, path.read_bytes(), web.content_type(path))
    web_domain = web.website_url(bucket, prov.region).split("://", 1)[1]
    found = find_distribution(cf, prov.stage)
    if found is None:
        wanted = distribution_config(prov.stage, web_domain, _api_domain(prov), policy_id,
                                     web_acl_arn, f"{names.prefix(prov.stage)}-{time.time_ns()}",
                                     domain, certificate)
        made = cf.create_distribution(DistributionConfig=wanted)["Distribution"]
        prov.changed(f"CloudFront distribution {made['Id']} ({made['DomainName']})")
        dist_id, dist_domain = made["Id"], made["DomainName"]
    else:
        dist_id, dist_domain = found["Id"], found["DomainName"]
        current = cf.get_distribution_config(Id=dist_id)
        config = current["DistributionConfig"]
        wanted = distribution_config(prov.stage, web_domain, _api_domain(prov), policy_id,
                                     web_acl_arn, config["CallerReference"], domain,
                                     certificate)
        if summary(config) != summary(wanted):
            cf.update_distribution(Id=dist_id, IfMatch=current["ETag"],
                                   DistributionConfig={**config, **wanted})
            prov.changed(f"CloudFront distribution {dist_id}: configuration")
    url = f"https://{domain or dist_domain}"
    prov.env["PUBLIC_URL"] = url
    prov.env["WEB_URL"] = url
    prov.env["CLOUDFRONT_DISTRIBUTION_ID"] = dist_id
    from provision import confirm_link

    if not confirm_link.stage_setting(prov, confirm_link.DOMAIN_SETTING):
        prov.env["CONFIRM_BASE_URL"] = url
    if domain:
        prov._progress(f"  DNS: {domain}. CNAME {dist_domain}. "
                       "(Route 53: 별칭 A/AAAA 레코드, 호스팅 영역 Z2FDTNDATAQYW2)")
    return url


def wait_deployed(cf: Any, dist_id: str, timeout: float = 1800) -> None:
    """A disabled distribution can be deleted only once Deployed (minutes in AWS)."""
    deadline, delay = time.monotonic() + timeout, 0.5
    while cf.get_distribution(Id=dist_id)["Distribution"]["Status"] != "Deployed":
        if time.monotonic() > deadline:
            raise TimeoutError(f"CloudFront {dist_id}: not Deployed after {timeout:.0f}s")
        time.sleep(delay)
        delay = min(delay * 2, 20)
