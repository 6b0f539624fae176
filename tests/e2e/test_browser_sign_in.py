"""Operators signing in, in Debian's chromium (contract section 6): the first
sign-in's password change, a viewer's disabled actions and the API's 403, a
revealed phone in the access record, the idle sign-out that revokes the
session. The stack's idle time is shortened (ADMIN_IDLE_SECONDS, a setting)."""

from __future__ import annotations

import re

import pytest
import requests

from chalicelib import lifecycle
from tests.conftest import run_local_stack
from tests.e2e.browser_support import DESKTOP, console_errors, screenshot
from tests.operators_support import USERS, credentials, idp, make_user, pool, sign_in

pytestmark = [pytest.mark.stack, pytest.mark.browser]

IDLE_SECONDS = 8


@pytest.fixture(scope="module")
def local_stack(emulator, stack_env):
    yield from run_local_stack(emulator, ADMIN_IDLE_SECONDS=str(IDLE_SECONDS))


def open_admin(new_page, local_stack):
    page = new_page(viewport=DESKTOP)
    page.set_default_timeout(20_000)
    errors = console_errors(page)
    page.goto(local_stack.url + "/admin")
    return page, errors


def fill_sign_in(page, username, password):
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호", exact=True).fill(password)
    page.get_by_role("button", name="로그인").click()


def new_request() -> str:
    request_id = lifecycle.new_request_id()
    lifecycle.create(request_id, intent="ChangeReservation", reservation_number="RS2025110301",
                     customer_phone="+821012345678", text="날짜를 바꾸고 싶어요",
                     partnerId="P001", partnerName="바다뷰 펜션", partnerPhone="+821098765432",
                     reservation={"serviceName": "오션뷰 디럭스"})
    return request_id


def open_request(page, request_id):
    page.get_by_label("검색").fill(request_id[:8])
    page.get_by_role("button", name="검색", exact=True).click()
    page.locator(f'#requests tr[data-request-id="{request_id}"]').click()
    panel = page.locator("#detail")
    panel.locator("dd").filter(has_text=request_id).wait_for()
    return panel


def test_the_first_sign_in_asks_for_a_new_password(local_stack, new_page):
    temporary = make_user("test-newcomer", "operator", permanent=False)
    page, errors = open_admin(new_page, local_stack)
    fill_sign_in(page, "test-newcomer", temporary)
    page.get_by_label("새 비밀번호", exact=True).wait_for()
    assert page.locator("#sign-in-form").is_hidden()
    page.get_by_label("새 비밀번호", exact=True).fill("Newcomer-pass-2026!")
    page.get_by_label("새 비밀번호 확인").fill("Newcomer-pass-2026?")
    page.get_by_role("button", name="비밀번호 바꾸고 로그인").click()
    page.locator("#new-password-error").filter(has_text="두 칸이 같아야 해요").wait_for()
    page.get_by_label("새 비밀번호 확인").fill("Newcomer-pass-2026!")
    screenshot(page, "admin-new-password")
    page.get_by_role("button", name="비밀번호 바꾸고 로그인").click()
    page.locator("#dashboard:not([hidden])").wait_for()
    assert page.locator("#signed-in-as").inner_text() == "test-newcomer · 운영"
    # The new password is the one now; the temporary one no longer signs in.
    assert "AuthenticationResult" in sign_in("test-newcomer", "Newcomer-pass-2026!")
    with pytest.raises(Exception, match="NotAuthorized"):
        sign_in("test-newcomer", temporary)
    assert errors == []


def test_a_viewer_sees_why_actions_are_off_and_the_api_says_403(local_stack, new_page):
    request_id = new_request()
    page, errors = open_admin(new_page, local_stack)
    fill_sign_in(page, *credentials("viewer"))
    page.locator("#dashboard:not([hidden])").wait_for()
    assert page.locator("#signed-in-as").inner_text() == f"{USERS['viewer']} · 조회"
    panel = open_request(page, request_id)
    fields = panel.locator("dl.fields").inner_text()
    assert "010-****-5678" in fields and "010-****-5432" in fields
    assert "+8210" not in panel.inner_text() and "1234-5678" not in panel.inner_text()
    for name in ("요청 종료", "고객 전체 번호 보기", "제휴점 전체 번호 보기"):
        assert panel.get_by_role("button", name=name).is_disabled()
    assert "운영 권한이 있어야 할 수 있어요" in panel.locator(".action-reasons").inner_text()
    assert page.get_by_role("button", name="엑셀로 내려받기").is_disabled()
    assert "관리자 권한이 있어야" in page.locator("#export-status").inner_text()
    assert "관리자만 봐요" in page.locator("#registrations-result").inner_text()
    assert "관리자만 봐요" in page.locator("#access-log-note").inner_text()
    screenshot(page, "admin-viewer")
    # The page's own token, straight at the API: 403 with Korean words, nothing changed.
    answer = page.evaluate("""async (id) => {
        const s = JSON.parse(sessionStorage.getItem('partnerline.session'));
        const res = await fetch('/api/admin/requests/' + id + '/actions', {method: 'POST',
          headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + s.access},
          body: JSON.stringify({action: 'close', note: '닫아 볼게요'})});
        return [res.status, await res.json()]; }""", request_id)
    assert answer[0] == 403 and answer[1]["code"] == "FORBIDDEN"
    assert re.search(r"[가-힣]", answer[1]["message"])
    assert "closedAt" not in lifecycle.get(request_id)
    assert [e for e in errors if "403" not in e] == []


def test_a_revealed_phone_shows_up_in_the_access_record(local_stack, new_page):
    request_id = new_request()
    page, errors = open_admin(new_page, local_stack)
    fill_sign_in(page, *credentials("admin"))
    page.locator("#dashboard:not([hidden])").wait_for()
    panel = open_request(page, request_id)
    panel.get_by_role("button", name="고객 전체 번호 보기").click()
    panel.get_by_role("button", name="전체 번호 보기", exact=True).click()
    panel.locator("#reveal-reason-error").filter(has_text="이유를").wait_for()
    panel.get_by_label("전체 번호를 보는 이유").fill("고객이 전화를 다시 요청함")
    panel.get_by_role("button", name="전체 번호 보기", exact=True).click()
    panel.locator("dl.fields").filter(has_text="010-1234-5678").wait_for()
    assert "010-****-5432" in panel.locator("dl.fields").inner_text()  # the other stays masked
    row = page.locator("#access-log-rows tr[data-action='reveal']").filter(
        has_text="고객이 전화를 다시 요청함")
    row.wait_for(timeout=15_000)
    assert USERS["admin"] in row.inner_text() and "고객 번호" in row.inner_text()
    assert "전체 번호 보기" in row.inner_text()
    page.locator("#access-log").scroll_into_view_if_needed()
    screenshot(page, "admin-access-log")
    assert errors == []


def test_idle_sign_out_ends_the_session_for_real(local_stack, new_page):
    page, errors = open_admin(new_page, local_stack)
    fill_sign_in(page, *credentials("operator"))
    page.locator("#dashboard:not([hidden])").wait_for()
    session = page.evaluate("JSON.parse(sessionStorage.getItem('partnerline.session'))")
    # No key, no click: after the idle time the sign-in form is back.
    page.locator("#sign-in:not([hidden])").wait_for(timeout=(IDLE_SECONDS + 10) * 1000)
    assert "오랫동안 사용하지 않아 로그아웃했어요" in page.locator("#sign-in-error").inner_text()
    assert page.evaluate("sessionStorage.getItem('partnerline.session')") is None
    screenshot(page, "admin-idle-signed-out")
    # The refresh token was revoked (GlobalSignOut): it gives no new tokens.
    _, client_id = pool()
    with pytest.raises(Exception, match="NotAuthorized"):
        idp().initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                            AuthParameters={"REFRESH_TOKEN": session["refresh"]})
    assert errors == []


def test_the_sign_in_config_names_no_secret(local_stack):
    config = requests.get(local_stack.url + "/api/sign-in-config", timeout=10).json()
    assert set(config) == {"clientId", "region", "endpoint", "idleSeconds"}
    assert config["idleSeconds"] == IDLE_SECONDS
    described = idp().describe_user_pool_client(UserPoolId=pool()[0],
                                                ClientId=config["clientId"])["UserPoolClient"]
    assert "ClientSecret" not in described


def test_where_mfa_is_required_the_first_sign_in_links_an_authenticator(local_stack,
                                                                         new_page):
    """As on prod (MFA ON, TOTP): the new password, then the authenticator app's
    key and first code, then signed in; the next sign-in asks for a code."""
    pool_id = pool()[0]
    idp().set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="ON",
                                   SoftwareTokenMfaConfiguration={"Enabled": True})
    try:
        temporary = make_user("test-mfa", "viewer", permanent=False)
        page, errors = open_admin(new_page, local_stack)
        fill_sign_in(page, "test-mfa", temporary)
        page.get_by_label("새 비밀번호", exact=True).fill("Mfa-user-pass-2026!")
        page.get_by_label("새 비밀번호 확인").fill("Mfa-user-pass-2026!")
        page.get_by_role("button", name="비밀번호 바꾸고 로그인").click()
        page.get_by_label("인증 앱에 나온 6자리 코드").wait_for()
        # The key Cognito gave (AssociateSoftwareToken), in groups of four to type.
        secret = page.locator("#mfa-secret").inner_text()
        assert len(secret.replace(" ", "")) >= 8 and all(len(g) <= 4 for g in secret.split())
        screenshot(page, "admin-mfa-setup")
        page.get_by_label("인증 앱에 나온 6자리 코드").fill("123456")
        page.get_by_role("button", name="인증 앱 연결하고 로그인").click()
        page.locator("#dashboard:not([hidden])").wait_for()
        assert page.locator("#signed-in-as").inner_text() == "test-mfa · 조회"
        page.get_by_role("button", name="로그아웃").click()
        fill_sign_in(page, "test-mfa", "Mfa-user-pass-2026!")
        page.get_by_label("인증 앱의 6자리 코드").fill("123456")
        page.get_by_role("button", name="확인").click()
        page.locator("#dashboard:not([hidden])").wait_for()
        assert errors == []
    finally:
        idp().set_user_pool_mfa_config(UserPoolId=pool_id, MfaConfiguration="OFF")
