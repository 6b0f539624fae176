"""The built ``web/`` pages on the web bucket's static website, readable by anyone.

Only this bucket is public, and only through its bucket policy (GetObject on its
objects): the public access block stays on for ACLs, so a stray public ACL
cannot open anything else. The chat page learns the API's address from a
``config.js`` written at upload time, so the same files serve every stage.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from pathlib import Path
from typing import Any

from chalicelib.aws import error_code
from provision import stages

WEB_DIR = stages.PROJECT_DIR / "web"
CONFIG_SCRIPT = "config.js"
CONFIG_GLOBAL = "PARTNERLINE_CONFIG"

# Regions whose website endpoint is spelled with a dash (the older ones).
_DASH_REGIONS = {"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1",
                 "ap-southeast-2", "ap-northeast-1", "sa-east-1"}

PUBLIC_ACCESS = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": False,  # the read-only bucket policy below is the one opening
    "RestrictPublicBuckets": False,
}

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8", ".json": "application/json; charset=utf-8",
          ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}


def website_url(bucket: str, region: str) -> str:
    sep = "-" if region in _DASH_REGIONS else "."
    return f"http://{bucket}.s3-website{sep}{region}.amazonaws.com"


def content_type(path: Path) -> str:
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or (
        "application/octet-stream")


def read_policy(bucket: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicWebsiteRead", "Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}


def config_script(settings: dict[str, str]) -> bytes:
    body = json.dumps(settings, ensure_ascii=False, sort_keys=True)
    return f"window.{CONFIG_GLOBAL} = {body};\n".encode()


def files(web_dir: Path = WEB_DIR) -> dict[str, Path]:
    """Object key -> file, for every file under web/ (hidden files skipped)."""
    if not web_dir.is_dir():
        return {}
    return {p.relative_to(web_dir).as_posix(): p for p in sorted(web_dir.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in
                                       p.relative_to(web_dir).parts)}


def _ensure_public_read(prov: Any, bucket: str) -> None:
    s3 = prov.client("s3")
    prov.ensure_public_access_block(bucket, PUBLIC_ACCESS,
                                    "public access block allows the read policy only")
    wanted = read_policy(bucket)
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except Exception as exc:
        if error_code(exc) != "NoSuchBucketPolicy":
            raise
        policy = None
    if policy != wanted:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(wanted))
        prov.changed(f"bucket {bucket}: public read policy")


def _put_if_changed(prov: Any, bucket: str, key: str, body: bytes, ctype: str) -> None:
    s3 = prov.client("s3")
    digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        if head["ETag"].strip('"') == digest and head.get("ContentType") == ctype:
            return
    except Exception as exc:
        if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
            raise
    # no-cache: a new deploy's pages show up at once; they are small.
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=ctype,
                  CacheControl="no-cache")
    prov.changed(f"web {key}")


def ensure(prov: Any, web_dir: Path = WEB_DIR) -> str:
    """Upload web/ (+ config.js) and open the bucket for website reads; returns WEB_URL."""
    bucket = prov.env.get("WEB_BUCKET") or prov.web_bucket_name()
    _ensure_public_read(prov, bucket)
    for key, path in files(web_dir).items():
        if key == CONFIG_SCRIPT:
            continue  # the local one; the stage's own is written below
        _put_if_changed(prov, bucket, key, path.read_bytes(), content_type(path))
    # Empty: the page calls the API on its own origin, the CloudFront front
    # door (provision/cloudfront.py), which sends /api/* to the HTTP API.
    settings = {"apiBaseUrl": "", "stage": prov.stage}
    _put_if_changed(prov, bucket, CONFIG_SCRIPT, config_script(settings),
                    _TYPES[".js"])
    url = website_url(bucket, prov.region)
    prov.env["WEB_URL"] = url
    return url
