"""The `prod` stage provisioned against moto (what moto has) and botocore's
Stubber for lexv2-models (what it lacks): every Lex call's parameters are
validated against botocore's model; a second run changes nothing; no secret is
printed or written anywhere but SSM."""

from __future__ import annotations

import copy
import json
import re

import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib import names
from provision import (
    alarms,
    confirm_link,
    http_api,
    lambdas,
    lex,
    policies,
    secrets,
    secrets_key,
    stages,
    web,
)
from provision.core import Provisioner

pytestmark = pytest.mark.stack

STAGE = "prod"
REGION = "ap-northeast-2"
SMS_REGION = "ap-northeast-1"
BOT_ID = "BOTPROD001"
ALIAS_ID = "ALIASPROD1"


def _lex_client():
    return boto3.session.Session().client("lexv2-models", region_name=REGION)


def stub_first_build(stubber: Stubber, definition: dict, stage: str = STAGE) -> None:
    """The calls of a first run over an empty account, in order."""
    draft = {"botId": BOT_ID, "botVersion": "DRAFT", "localeId": "ko_KR"}
    stubber.add_response("list_bots", {"botSummaries": []}, {
        "filters": [{"name": "BotName", "values": [lex.bot_name(stage)], "operator": "EQ"}]})
    stubber.add_response("create_bot", {"botId": BOT_ID}, {
        "botName": lex.bot_name(stage), "roleArn": ANY, "description": ANY,
        "dataPrivacy": {"childDirected": False},
        "idleSessionTTLInSeconds": definition["bot"]["idleSessionTTLInSeconds"]})
    stubber.add_response("describe_bot", {"botId": BOT_ID, "botStatus": "Available"},
                         {"botId": BOT_ID})
    stubber.add_response("list_bot_aliases", {"botAliasSummaries": []}, {"botId": BOT_ID})
    stubber.add_client_error("describe_bot_locale", "ResourceNotFoundException",
                             http_status_code=404, expected_params=draft)
    stubber.add_response("create_bot_locale", {"botId": BOT_ID, "localeId": "ko_KR"},
                         {**draft, "description": ANY, "nluIntentConfidenceThreshold": 0.4})
    stubber.add_response("describe_bot_locale", {"botLocaleStatus": "NotBuilt"}, draft)
    types = definition["slotTypes"]
    for i, slot_type in enumerate(types):
        stubber.add_response("list_slot_types", {"slotTypeSummaries": []}, {
            **draft, "filters": [{"name": "SlotTypeName", "values": [slot_type["name"]],
                                  "operator": "EQ"}]})
        stubber.add_response("create_slot_type", {"slotTypeId": f"TYPE{i:06d}"}, {
            **draft, "slotTypeName": slot_type["name"], "description": ANY,
            "parentSlotTypeSignature": "AMAZON.AlphaNumeric",
            "valueSelectionSetting": {
                "resolutionStrategy": "OriginalValue",
                "regexFilter": {"pattern": slot_type["valueSelectionSetting"][
                    "regexFilter"]["pattern"]}}})
    custom = [e for e in definition["intents"] if e["intent"]["name"] != "FallbackIntent"]
    assert len(custom) >= 3, "the contract's three intents come from lex/"
    for i, entry in enumerate(custom):
        intent_id = f"INTENT{i:04d}"
        name = entry["intent"]["name"]
        stubber.add_response("list_intents", {"intentSummaries": []}, {
            **draft, "filters": [{"name": "IntentName", "values": [name], "operator": "EQ"}]})
        stubber.add_response("create_intent", {"intentId": intent_id}, {
            **draft, "intentName": name, "description": ANY,
            "sampleUtterances": entry["intent"]["sampleUtterances"]})
        slot_ids = []
        for j, slot in enumerate(entry["slots"]):
            slot_ids.append(f"SLOT{i:03d}{j:03d}")
            stubber.add_response("list_slots", {"slotSummaries": []}, {
                **draft, "intentId": intent_id,
                "filters": [{"name": "SlotName", "values": [slot["name"]], "operator": "EQ"}]})
            stubber.add_response("create_slot", {"slotId": slot_ids[-1]}, {
                **draft, "intentId": intent_id, "slotName": slot["name"],
                # The custom type by the id it got; a built-in one by its name.
                "slotTypeId": (slot["slotTypeName"] if slot["slotTypeName"].startswith("AMAZON.")
                               else "TYPE000000"), "description": ANY,
                "valueElicitationSetting": ANY, "multipleValuesSetting": ANY})
        # An intent with no slot (the ones that are not requests) sends no priorities.
        # In the order the export's slotPriorities give (not the folders').
        by_name = {slot["name"]: sid for slot, sid in zip(entry["slots"], slot_ids, strict=True)}
        order = [p["slotName"] for p in entry["intent"].get("slotPriorities") or []]
        priorities = {"slotPriorities": [{"priority": k + 1, "slotId": by_name[n]}
                                         for k, n in enumerate(order)]} if slot_ids else {}
        stubber.add_response("update_intent", {}, {
            **draft, "intentId": intent_id, "intentName": name, "description": ANY,
            "sampleUtterances": entry["intent"]["sampleUtterances"], **priorities})
    stubber.add_response("build_bot_locale", {}, draft)
    stubber.add_response("describe_bot_locale", {"botLocaleStatus": "Built"}, draft)
    stubber.add_response("create_bot_version", {"botVersion": "1"}, {
        "botId": BOT_ID, "botVersionLocaleSpecification": {
            "ko_KR": {"sourceBotVersion": "DRAFT"}}})
    stubber.add_response("describe_bot_version", {"botStatus": "Available"},
                         {"botId": BOT_ID, "botVersion": "1"})
    stubber.add_response("list_bot_aliases", {"botAliasSummaries": []}, {"botId": BOT_ID})
    stubber.add_response("create_bot_alias", {"botAliasId": ALIAS_ID}, {
        "botAliasName": "live", "botId": BOT_ID, "botVersion": "1",
        "botAliasLocaleSettings": {"ko_KR": {"enabled": True}}})
    stubber.add_response("describe_bot_alias", {"botAliasStatus": "Available"},
                         {"botId": BOT_ID, "botAliasId": ALIAS_ID})
    stubber.add_response("tag_resource", {}, {
        "resourceARN": f"arn:aws:lex:{REGION}:123456789012:bot/{BOT_ID}",
        "tags": {lex.FINGERPRINT_TAG: ANY}})


def stub_unchanged(stubber: Stubber, fingerprint: str) -> None:
    stubber.add_response("list_bots", {"botSummaries": [
        {"botId": BOT_ID, "botName": lex.bot_name(STAGE), "botStatus": "Available"}]}, None)
    stubber.add_response("list_bot_aliases", {"botAliasSummaries": [
        {"botAliasId": ALIAS_ID, "botAliasName": "live", "botVersion": "1"}]},
        {"botId": BOT_ID})
    stubber.add_response("list_tags_for_resource", {"tags": {lex.FINGERPRINT_TAG: fingerprint}},
                         {"resourceARN": f"arn:aws:lex:{REGION}:123456789012:bot/{BOT_ID}"})


def _provisioner(config, chalice_dir, lines, lex_client):
    prov = Provisioner(STAGE, region=REGION, config=copy.deepcopy(config),
                       progress=lines.append)
    prov.chalice_dir = chalice_dir
    prov._clients["lexv2-models"] = lex_client
    return prov


@pytest.fixture(scope="module")
def prod(emulator, tmp_path_factory):
    """Two runs of the prod provisioning; what they returned and printed."""
    chalice_dir = tmp_path_factory.mktemp("chalice")
    config = stages.load_config()
    before = stages.CONFIG_PATH.read_text(encoding="utf-8")
    definition = lex.load_definition()
    lines: list[str] = []

    client = _lex_client()
    with Stubber(client) as stubber:
        stub_first_build(stubber, definition)
        first = _provisioner(config, chalice_dir, lines, client)
        env = first.run()
        stubber.assert_no_pending_responses()
    role_arn = boto3.client("iam").get_role(RoleName=f"{names.prefix(STAGE)}-lex")["Role"]["Arn"]

    client = _lex_client()
    with Stubber(client) as stubber:
        stub_unchanged(stubber, lex.fingerprint(definition, role_arn))
        second = _provisioner(config, chalice_dir, lines, client)
        env2 = second.run()
        stubber.assert_no_pending_responses()
    # The policies with the account's ARNs, as the deploy launcher writes them
    # (provision/launch.py), into a directory of their own.
    launcher = _provisioner(config, chalice_dir, [], None)
    launcher.env.update(env2)
    policies.ensure(launcher, chalice_dir)
    assert stages.CONFIG_PATH.read_text(encoding="utf-8") == before, "repo config untouched"
    return {"first": first, "second": second, "env": env, "env2": env2,
            "lines": lines, "chalice_dir": chalice_dir}


def test_second_run_changes_nothing(prod):
    assert prod["first"].changes, "the first run creates the stage"
    assert prod["second"].changes == []
    assert prod["env2"] == prod["env"]


def test_env_names_everything_the_app_needs(prod):
    env = prod["env"]
    assert env["TABLE_NAME"] == "partnerline-prod"
    assert env["EVENT_BUCKET"] == "axcl"
    assert env["LEX_BOT_ID"] == BOT_ID and env["LEX_BOT_ALIAS_ID"] == ALIAS_ID
    assert env["LINK_SIGNING_KEYS_PARAM"] == "/partnerline/prod/LINK_SIGNING_KEYS"
    assert "ADMIN_TOKEN_PARAM" not in env  # no shared admin token any more
    assert env["COGNITO_USER_POOL_ID"].startswith(REGION + "_") and env["COGNITO_CLIENT_ID"]
    # The pages' address is the HTTPS front door (provision/cloudfront.py).
    assert env["WEB_URL"] == env["PUBLIC_URL"]
    assert re.fullmatch(r"https://[a-z0-9]+\.cloudfront\.net", env["PUBLIC_URL"])
    assert env["API_URL"].startswith("http")
    assert "ADMIN_TOKEN" not in env and "LINK_SIGNING_KEYS" not in env


def test_secrets_are_secure_strings_never_printed(prod):
    ssm = boto3.client("ssm")
    values = []
    for secret in secrets.GENERATORS:
        param = ssm.get_parameter(Name=secrets.parameter_name(STAGE, secret),
                                  WithDecryption=True)["Parameter"]
        assert param["Type"] == "SecureString"
        values.append(param["Value"])
    kid, _, key = values[0].partition(":")
    assert kid and len(key) >= 32
    printed = "\n".join(prod["lines"]) + json.dumps(prod["env"])
    written = "".join(p.read_text() for p in prod["chalice_dir"].iterdir())
    for value in values:
        assert value not in printed and value not in written


def test_secret_already_there_is_kept(prod):
    ssm = boto3.client("ssm")
    name = secrets.parameter_name(STAGE, "LINK_SIGNING_KEYS")
    before = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    prov = Provisioner(STAGE, region=REGION)
    secrets.ensure(prov)
    assert prov.changes == []
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == before


def test_table_has_point_in_time_recovery_and_ttl(prod):
    ddb = boto3.client("dynamodb")
    backups = ddb.describe_continuous_backups(TableName="partnerline-prod")
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"] == "ENABLED"
    ttl = ddb.describe_time_to_live(TableName="partnerline-prod")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiresAt"


def test_event_bucket_private_web_bucket_public_read_only(prod):
    s3 = boto3.client("s3")
    block = s3.get_public_access_block(Bucket="axcl")["PublicAccessBlockConfiguration"]
    assert all(block.values())
    bucket = prod["env"]["WEB_BUCKET"]
    web_block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert web_block["BlockPublicAcls"] and web_block["IgnorePublicAcls"]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == f"arn:aws:s3:::{bucket}/*"


def test_web_pages_uploaded_with_types_and_stage_config(prod):
    s3 = boto3.client("s3")
    bucket = prod["env"]["WEB_BUCKET"]
    for key in web.files():
        if key == web.CONFIG_SCRIPT:
            continue
        head = s3.head_object(Bucket=bucket, Key=key)
        assert head["ContentType"] == web.content_type(web.WEB_DIR / key)
    assert s3.head_object(Bucket=bucket, Key="index.html")["ContentType"].startswith(
        "text/html")
    script = s3.get_object(Bucket=bucket, Key="config.js")["Body"].read().decode()
    assert script.startswith("window.PARTNERLINE_CONFIG = ")
    settings = json.loads(script.split("=", 1)[1].strip().rstrip(";"))
    # The page calls the API on its own origin, the CloudFront front door.
    assert settings["apiBaseUrl"] == ""
    assert s3.head_object(Bucket=bucket, Key="admin")["ContentType"].startswith("text/html")


def test_sms_defaults_set_in_the_sms_region_not_in_seoul(prod):
    # SNS sends no SMS from ap-northeast-2: preferences are per region, and
    # the SMS region's are the ones that count.
    assert prod["env"]["SMS_REGION"] == SMS_REGION != REGION
    tokyo = boto3.client("sns", region_name=SMS_REGION).get_sms_attributes()["attributes"]
    assert tokyo["DefaultSMSType"] == "Transactional"
    seoul = boto3.client("sns", region_name=REGION).get_sms_attributes()["attributes"]
    assert seoul.get("DefaultSMSType") != "Transactional"


def test_sms_publish_allowed_only_in_the_sms_region(prod):
    doc = json.loads((prod["chalice_dir"] / "policy-prod-handle_partner_link.json").read_text())
    [publish, deny] = [s for s in doc["Statement"] if "sns:Publish" in s["Action"]]
    assert publish["Effect"] == "Allow" and publish["Resource"] == "*"  # no ARN for a phone
    assert publish["Condition"] == {"StringEquals": {"aws:RequestedRegion": SMS_REGION}}
    # ...and never to a topic or an endpoint, any account's.
    assert deny == {"Effect": "Deny", "Action": ["sns:Publish"],
                    "Resource": ["arn:aws:sns:*:*:*"]}


def test_confirm_links_point_at_the_front_door_without_a_custom_domain(prod):
    """The CloudFront address (``/r/*`` goes to the HTTP API there): 37
    characters against execute-api's 59, well inside the SMS's 62."""
    from chalicelib.partner.sms import MAX_BASE_URL_CHARS

    apigw = boto3.client("apigatewayv2")
    assert prod["env"]["CONFIRM_BASE_URL"] == prod["env"]["PUBLIC_URL"]
    assert len(prod["env"]["CONFIRM_BASE_URL"]) <= 38 < len(prod["env"]["API_URL"])
    assert len(prod["env"]["CONFIRM_BASE_URL"]) <= MAX_BASE_URL_CHARS
    assert "confirm.example" not in prod["env"]["CONFIRM_BASE_URL"]
    assert apigw.get_domain_names()["Items"] == []


CERTIFICATE = f"arn:aws:acm:{REGION}:123456789012:certificate/11111111-2222-3333-4444-555555555555"


def _with_domain(monkeypatch, domain="go.partner.example", certificate=CERTIFICATE):
    """The stage chooses a custom domain (its settings in provision/stages.py)."""
    monkeypatch.setitem(stages.STAGES[STAGE], "settings", {
        **stages.settings(STAGE),
        "CONFIRM_DOMAIN_NAME": domain, "CONFIRM_CERTIFICATE_ARN": certificate})
    return stages.load_config()


def test_custom_domain_mapped_to_the_http_api_and_the_dns_record_printed(prod, monkeypatch):
    apigw = boto3.client("apigatewayv2")
    [api] = [a for a in apigw.get_apis()["Items"] if a["Name"] == "partnerline-prod-http"]
    config = _with_domain(monkeypatch)
    runs = []
    for _ in range(2):
        lines: list[str] = []
        prov = Provisioner(STAGE, region=REGION, config=config, progress=lines.append)
        http_api.ensure_api(prov)
        url = confirm_link.ensure(prov)
        runs.append((prov, lines, url))
        assert url == prov.env["CONFIRM_BASE_URL"] == "https://go.partner.example"
    (first, first_lines, _), (second, second_lines, _) = runs
    assert first.changes and second.changes == []  # idempotent
    domain = apigw.get_domain_name(DomainName="go.partner.example")
    [config_] = domain["DomainNameConfigurations"]
    assert (config_["CertificateArn"], config_["EndpointType"]) == (CERTIFICATE, "REGIONAL")
    [mapping] = apigw.get_api_mappings(DomainName="go.partner.example")["Items"]
    assert (mapping["ApiId"], mapping["Stage"]) == (api["ApiId"], "$default")
    assert not mapping.get("ApiMappingKey")
    dns = [line for line in second_lines if "DNS" in line]
    assert dns and "go.partner.example. CNAME" in dns[0]
    # Teardown's HTTP API step removes the mapping and the domain it made.
    from provision.destroy import Destroyer

    gone: list[str] = []
    Destroyer(second, progress=gone.append).custom_domain(apigw, api["ApiId"])
    assert apigw.get_domain_names()["Items"] == []
    assert any("go.partner.example" in line for line in gone)


@pytest.mark.parametrize("domain,certificate,says", [
    ("go.partner.example", "", "함께"),
    ("", CERTIFICATE, "함께"),
    ("go.partner.example", CERTIFICATE.replace(REGION, "us-east-1"), "같은 리전"),
    ("go.partner.example", "arn:aws:iam::123456789012:server-certificate/x", "ACM"),
])
def test_a_custom_domain_setting_that_cannot_work_is_refused_before_any_change(
        prod, domain, certificate, says, monkeypatch):
    config = _with_domain(monkeypatch, domain, certificate)
    prov = Provisioner(STAGE, region=REGION, config=config)
    http_api.ensure_api(prov)
    with pytest.raises(confirm_link.ConfirmLinkError) as err:
        confirm_link.ensure(prov)
    assert says in str(err.value)
    assert prov.changes == []
    assert boto3.client("apigatewayv2").get_domain_names()["Items"] == []


def test_http_api_with_auto_deployed_default_stage_and_cors(prod):
    apigw = boto3.client("apigatewayv2")
    [api] = [a for a in apigw.get_apis()["Items"] if a["Name"] == "partnerline-prod-http"]
    assert api["ProtocolType"] == "HTTP"
    assert api["CorsConfiguration"]["AllowOrigins"] == [prod["env"]["WEB_URL"]]
    [stage] = apigw.get_stages(ApiId=api["ApiId"])["Items"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True


def test_alarms_from_the_seed(prod):
    cloudwatch = boto3.client("cloudwatch")
    found = {a["AlarmName"]: a for a in cloudwatch.describe_alarms(
        AlarmNamePrefix="partnerline-prod")["MetricAlarms"]}
    for handler in (lambdas.API_HANDLER, *lambdas.HANDLERS):
        alarm = found[f"{lambdas.function_name(STAGE, handler)}-error-rate"]
        assert alarm["Threshold"] == 5.0
        [expression] = [m for m in alarm["Metrics"] if m.get("ReturnData")]
        assert "100 * errors / invocations" in expression["Expression"]
    for handler in alarms.WAITED_ON:
        duration = found[f"{lambdas.function_name(STAGE, handler)}-duration-p95"]
        assert duration["Threshold"] == 5000.0 and duration["ExtendedStatistic"] == "p95"
    flow = found["partnerline-prod-contact-flow-failure-rate"]
    assert flow["Threshold"] == 10.0
    namespaces = {m["MetricStat"]["Metric"]["Namespace"] for m in flow["Metrics"]
                  if "MetricStat" in m}
    # Connect's own metrics join once after-deploy knows the instance
    # (tests/integration/test_alarms_connect.py); the registration metric always.
    assert alarms.REGISTRATION_NAMESPACE in namespaces
    assert namespaces <= {alarms.REGISTRATION_NAMESPACE, alarms.CONNECT_NAMESPACE}
    topic = prod["first"].alarm_topic_arn
    assert all(a["AlarmActions"] == [topic] for a in found.values())


def test_policies_written_with_real_arns(prod):
    directory = prod["chalice_dir"]
    api = json.loads((directory / "policy-prod-api_handler.json").read_text())
    resources = json.dumps([s for s in api["Statement"] if s["Effect"] == "Allow"])
    assert f"arn:aws:lex:{REGION}:123456789012:bot-alias/{BOT_ID}/{ALIAS_ID}" in resources
    assert f"arn:aws:dynamodb:{REGION}:123456789012:table/partnerline-prod" in resources
    assert ":*:*:" not in resources  # (the Deny on every SNS ARN says *:*: on purpose)
    key_arn = boto3.client("kms").describe_key(
        KeyId=secrets_key.alias_name(STAGE))["KeyMetadata"]["Arn"]
    assert f'"{key_arn}"' in resources
    assert set(p.name for p in directory.iterdir()) == set(policies.documents(
        policies.Arns(STAGE, REGION, "123456789012", "axcl")))


def test_prod_operators_need_a_totp_code_and_a_client_without_secret(prod):
    from provision import cognito

    idp = boto3.client("cognito-idp")
    pool_id = prod["env"]["COGNITO_USER_POOL_ID"]
    mfa = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert mfa["MfaConfiguration"] == "ON"
    assert mfa["SoftwareTokenMfaConfiguration"]["Enabled"] is True
    client = idp.describe_user_pool_client(
        UserPoolId=pool_id, ClientId=prod["env"]["COGNITO_CLIENT_ID"])["UserPoolClient"]
    assert "ClientSecret" not in client
    assert {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"} <= set(client["ExplicitAuthFlows"])
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id)["Groups"]}
    assert groups == set(cognito.GROUPS)
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True


# -- least privilege: the secrets key and the bucket owner ---------------------

def test_secrets_are_encrypted_with_the_stages_own_key(prod):
    kms, ssm = boto3.client("kms"), boto3.client("ssm")
    key = kms.describe_key(KeyId=secrets_key.alias_name(STAGE))["KeyMetadata"]
    assert key["KeyState"] == "Enabled" and key["KeyManager"] == "CUSTOMER"
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert policy == secrets_key.key_policy(STAGE, REGION, "123456789012")
    assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"]
    for secret in secrets.GENERATORS:
        [found] = ssm.describe_parameters(ParameterFilters=[{
            "Key": "Name", "Option": "Equals",
            "Values": [secrets.parameter_name(STAGE, secret)]}])["Parameters"]
        assert found["KeyId"] == key["Arn"], secret


def test_every_s3_call_of_provisioning_names_our_account(prod):
    assert prod["env"]["EVENT_BUCKET_OWNER"] == "123456789012"
    prov = Provisioner(STAGE, region=REGION)
    seen = []
    prov.client("s3").meta.events.register(
        "before-call.s3", lambda params, model, **_: seen.append(
            (model.name, params["headers"].get("x-amz-expected-bucket-owner"))))
    prov.ensure_buckets()
    assert seen and all(owner == "123456789012" for _, owner in seen), seen
    # S3 (and the emulator, devstack/bucket_owner.py) refuses another owner.
    other = boto3.client("s3")
    with pytest.raises(other.exceptions.ClientError, match=r"\(403\).*HeadBucket"):
        other.head_bucket(Bucket="axcl", ExpectedBucketOwner="999999999999")
    with pytest.raises(other.exceptions.ClientError, match="AccessDenied"):
        other.put_object(Bucket="axcl", Key="x_event.txt", Body=b"",
                         ExpectedBucketOwner="999999999999")
    assert "Contents" not in other.list_objects_v2(Bucket="axcl", Prefix="x_event.txt")


def test_a_secret_under_the_aws_managed_key_moves_onto_the_stages_key(prod):
    """A stage provisioned before the key: its parameter (under aws/ssm) is
    put back under the key once, with the same value."""
    ssm = boto3.client("ssm")
    name = secrets.parameter_name(STAGE, "LINK_SIGNING_KEYS")
    value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True,
                      KeyId="alias/aws/ssm")
    lines: list[str] = []
    prov = Provisioner(STAGE, region=REGION, progress=lines.append)
    secrets.ensure(prov)
    assert prov.changes == [f"secret {name}: now under {secrets_key.alias_name(STAGE)} "
                            "(value kept, not shown)"]
    [found] = ssm.describe_parameters(ParameterFilters=[{
        "Key": "Name", "Option": "Equals", "Values": [name]}])["Parameters"]
    assert found["KeyId"] == prov.secrets_key_arn
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == value
    assert value not in "\n".join(lines)
