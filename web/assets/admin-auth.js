// The operators' sign-in (contract section 6): each operator signs in with
// their own username and password to the stage's Cognito user pool. The page
// talks to Cognito itself (InitiateAuth USER_PASSWORD_AUTH, the first sign-in's
// NEW_PASSWORD_REQUIRED, a TOTP code where MFA is on, REFRESH_TOKEN_AUTH,
// GlobalSignOut); GET /api/sign-in-config says where and with which app client.
//
// Tokens stay in this tab only (sessionStorage), are refreshed before they
// expire, and are revoked at sign-out (GlobalSignOut ends the refresh token).
// After idleSeconds (30 minutes by default) without a key or a click the page
// signs out by itself.
//
// admin.js hears: "pl:authenticated" {token} after a sign-in,
//                 "pl:token" {token} when the access token was refreshed,
//                 "pl:session-ended" {message} when the session ended (idle,
//                 refresh refused).
(function () {
  "use strict";
  var PL = window.PL;
  var KEY = "partnerline.session";
  var REFRESH_BEFORE_S = 120;
  var ROLES = ["viewer", "operator", "admin"];
  var ROLE_LABELS = { viewer: "조회", operator: "운영", admin: "관리자" };
  var MESSAGES = {
    NotAuthorizedException: "아이디 또는 비밀번호가 맞지 않아요.",
    UserNotFoundException: "아이디 또는 비밀번호가 맞지 않아요.",
    PasswordResetRequiredException: "비밀번호를 새로 정해야 해요. 관리자에게 문의해 주세요.",
    InvalidPasswordException: "새 비밀번호가 규칙에 맞지 않아요. 12자 이상, 대문자·소문자·숫자·기호를 모두 넣어 주세요.",
    CodeMismatchException: "인증 코드가 맞지 않아요. 다시 입력해 주세요.",
    TooManyRequestsException: "시도가 너무 많아요. 잠시 후 다시 해 주세요.",
    LimitExceededException: "시도가 너무 많아요. 잠시 후 다시 해 주세요."
  };
  var IDLE_MESSAGE = "오랫동안 사용하지 않아 로그아웃했어요. 다시 로그인해 주세요.";
  var EXPIRED_MESSAGE = "로그인이 만료됐어요. 다시 로그인해 주세요.";

  function $(id) { return document.getElementById(id); }
  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  var config = null;          // {clientId, endpoint, region, idleSeconds}
  var session = null;         // {access, refresh, username, exp}
  var pending = null;         // a challenge in progress: {name, session, username}
  var refreshTimer = null;
  var idleTimer = null;
  var lastActivity = Date.now();

  // -- the session in this tab --------------------------------------------------------
  function save() {
    try {
      if (session) { sessionStorage.setItem(KEY, JSON.stringify(session)); }
      else { sessionStorage.removeItem(KEY); }
    } catch (e) { /* private mode: this page load only */ }
  }

  function restore() {
    try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { return null; }
  }

  // The token's claims, for what the page shows (the API verifies the token).
  function claimsOf(token) {
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var json = decodeURIComponent(Array.prototype.map.call(atob(part), function (c) {
        return "%" + ("00" + c.charCodeAt(0).toString(16)).slice(-2);
      }).join(""));
      return JSON.parse(json);
    } catch (e) { return {}; }
  }

  function role() {
    var groups = (session && claimsOf(session.access)["cognito:groups"]) || [];
    var best = null;
    ROLES.forEach(function (r) { if (groups.indexOf(r) >= 0) { best = r; } });
    return best;
  }

  function can(wanted) {
    var mine = role();
    return mine !== null && ROLES.indexOf(mine) >= ROLES.indexOf(wanted);
  }

  // -- Cognito ------------------------------------------------------------------------
  function loadConfig() {
    if (config) { return Promise.resolve(config); }
    return PL.api("/api/sign-in-config").then(function (res) {
      if (res.status !== 200 || !res.data || !res.data.clientId) {
        throw new Error((res.data && res.data.message) || PL.NETWORK_ERROR);
      }
      config = res.data;
      return config;
    });
  }

  function cognito(action, body) {
    return loadConfig().then(function (c) {
      return fetch(c.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-amz-json-1.1",
                   "X-Amz-Target": "AWSCognitoIdentityProviderService." + action },
        body: JSON.stringify(body)
      });
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = {};
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
        if (!res.ok) {
          var type = String(data.__type || data.code || "").split("#").pop();
          var error = new Error(MESSAGES[type] || PL.NETWORK_ERROR);
          error.type = type;
          throw error;
        }
        return data;
      });
    });
  }

  function started(result, username) {
    session = { access: result.AccessToken, refresh: result.RefreshToken || session.refresh,
                username: username, exp: claimsOf(result.AccessToken).exp || 0 };
    save();
    scheduleRefresh();
    touch();
    return session.access;
  }

  // Resolves {token} when signed in, {challenge} when another step is needed.
  function answer(data, username) {
    if (data.AuthenticationResult) {
      pending = null;
      return { token: started(data.AuthenticationResult, username) };
    }
    pending = { name: data.ChallengeName, session: data.Session, username: username };
    if (data.ChallengeName === "MFA_SETUP") {
      // prod's pool requires TOTP: the authenticator app is linked first.
      return cognito("AssociateSoftwareToken", { Session: data.Session }).then(function (res) {
        pending.session = res.Session || pending.session;
        pending.secret = res.SecretCode;
        return { challenge: "MFA_SETUP", secret: res.SecretCode };
      });
    }
    return { challenge: data.ChallengeName };
  }

  // The authenticator app's first code links it; then the sign-in completes.
  function finishMfaSetup(code) {
    var p = pending;
    return cognito("VerifySoftwareToken", {
      Session: p.session, UserCode: code, FriendlyDeviceName: "partnerline"
    }).then(function (res) {
      if (res.Status !== "SUCCESS") { throw new Error(MESSAGES.CodeMismatchException); }
      return cognito("RespondToAuthChallenge", {
        ChallengeName: "MFA_SETUP", ClientId: config.clientId, Session: res.Session,
        ChallengeResponses: { USERNAME: p.username }
      });
    }).then(function (data) { return answer(data, p.username); });
  }

  function signIn(username, password) {
    return loadConfig().then(function (c) {
      return cognito("InitiateAuth", {
        AuthFlow: "USER_PASSWORD_AUTH", ClientId: c.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password }
      });
    }).then(function (data) { return answer(data, username); });
  }

  function respond(responses) {
    var p = pending;
    responses.USERNAME = p.username;
    return cognito("RespondToAuthChallenge", {
      ChallengeName: p.name, ClientId: config.clientId, Session: p.session,
      ChallengeResponses: responses
    }).then(function (data) { return answer(data, p.username); });
  }

  function refresh() {
    if (!session || !session.refresh) { return Promise.resolve(null); }
    var username = session.username;
    return cognito("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: config.clientId,
      AuthParameters: { REFRESH_TOKEN: session.refresh }
    }).then(function (data) {
      var token = started(data.AuthenticationResult, username);
      emit("pl:token", { token: token });
      return token;
    }, function () {
      end(EXPIRED_MESSAGE);
      return null;
    });
  }

  function scheduleRefresh() {
    if (refreshTimer) { clearTimeout(refreshTimer); }
    if (!session) { return; }
    var wait = Math.max(5, session.exp - Date.now() / 1000 - REFRESH_BEFORE_S);
    refreshTimer = setTimeout(refresh, wait * 1000);
  }

  // Signs out for real: GlobalSignOut revokes the refresh token (and the
  // access token for Cognito's own APIs); the page forgets both.
  function signOut() {
    var access = session && session.access;
    forget();
    if (!access) { return Promise.resolve(); }
    return cognito("GlobalSignOut", { AccessToken: access }).catch(function () { /* gone */ });
  }

  function forget() {
    session = null;
    pending = null;
    save();
    if (refreshTimer) { clearTimeout(refreshTimer); refreshTimer = null; }
    if (idleTimer) { clearTimeout(idleTimer); idleTimer = null; }
    document.body.removeAttribute("data-role");
  }

  function end(message) {
    signOut();
    emit("pl:session-ended", { message: message });
  }

  // -- idle sign-out ------------------------------------------------------------------
  function touch() {
    lastActivity = Date.now();
    if (!session || !config) { return; }
    if (idleTimer) { clearTimeout(idleTimer); }
    idleTimer = setTimeout(function () {
      if (session && Date.now() - lastActivity >= config.idleSeconds * 1000 - 50) {
        end(IDLE_MESSAGE);
      }
    }, config.idleSeconds * 1000);
  }

  ["keydown", "pointerdown", "wheel", "touchstart"].forEach(function (name) {
    document.addEventListener(name, touch, { passive: true, capture: true });
  });

  // -- the forms ----------------------------------------------------------------------
  var signInForm = $("sign-in-form");
  var passwordForm = $("new-password-form");
  var codeForm = $("mfa-code-form");
  var setupForm = $("mfa-setup-form");
  var signInError = $("sign-in-error");

  function showStep(step) {
    signInForm.hidden = step !== "password";
    passwordForm.hidden = step !== "NEW_PASSWORD_REQUIRED";
    codeForm.hidden = step !== "SOFTWARE_TOKEN_MFA";
    setupForm.hidden = step !== "MFA_SETUP";
    var focus = { password: "username", NEW_PASSWORD_REQUIRED: "new-password",
                  SOFTWARE_TOKEN_MFA: "mfa-code", MFA_SETUP: "mfa-setup-code" }[step];
    if (focus) { $(focus).focus(); }
  }

  function settle(promise, errorLine, button) {
    button.disabled = true;
    errorLine.textContent = "";
    return promise.then(function (outcome) {
      button.disabled = false;
      if (outcome.token) {
        document.body.setAttribute("data-role", role() || "");
        showStep("password");
        $("password").value = "";
        emit("pl:authenticated", { token: outcome.token });
      } else if (outcome.challenge === "MFA_SETUP") {
        // The key to type into the authenticator app, in groups of four.
        $("mfa-secret").textContent = outcome.secret.replace(/(.{4})/g, "$1 ").trim();
        showStep("MFA_SETUP");
      } else if (outcome.challenge === "NEW_PASSWORD_REQUIRED" ||
                 outcome.challenge === "SOFTWARE_TOKEN_MFA") {
        showStep(outcome.challenge);
      } else {
        errorLine.textContent = "이 로그인 단계는 대시보드에서 아직 지원하지 않아요. " +
          "관리자에게 문의해 주세요.";
        showStep("password");
      }
    }, function (error) {
      button.disabled = false;
      errorLine.textContent = error.message || PL.NETWORK_ERROR;
    });
  }

  signInForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var username = $("username").value.trim();
    var password = $("password").value;
    if (!username || !password) {
      signInError.textContent = "아이디와 비밀번호를 입력해 주세요.";
      (username ? $("password") : $("username")).focus();
      return;
    }
    settle(signIn(username, password), signInError,
           signInForm.querySelector("button[type=submit]"));
  });

  passwordForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var first = $("new-password").value;
    var again = $("new-password-again").value;
    var errorLine = $("new-password-error");
    if (!first || first !== again) {
      errorLine.textContent = "새 비밀번호 두 칸이 같아야 해요.";
      $("new-password").focus();
      return;
    }
    settle(respond({ NEW_PASSWORD: first }), errorLine,
           passwordForm.querySelector("button[type=submit]"));
  });

  codeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = $("mfa-code").value.trim();
    settle(respond({ SOFTWARE_TOKEN_MFA_CODE: code }), $("mfa-code-error"),
           codeForm.querySelector("button[type=submit]"));
  });

  setupForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = $("mfa-setup-code").value.trim();
    settle(finishMfaSetup(code), $("mfa-setup-error"),
           setupForm.querySelector("button[type=submit]"));
  });

  // A saved session of this tab (a reload): its role and timers again.
  function resume() {
    var saved = restore();
    if (!saved || !saved.access || saved.exp * 1000 <= Date.now()) {
      session = null;
      save();
      return Promise.resolve(null);
    }
    session = saved;
    return loadConfig().then(function () {
      document.body.setAttribute("data-role", role() || "");
      scheduleRefresh();
      touch();
      return session.access;
    }, function () { return session.access; });
  }

  PL.auth = {
    resume: resume,
    signOut: signOut,
    forget: forget,
    username: function () { return session ? session.username : null; },
    role: role,
    can: can,
    roleLabel: function (r) { return ROLE_LABELS[r] || ""; },
    // What a viewer (or operator) reads next to what they cannot do.
    needs: function (wanted) {
      return ROLE_LABELS[wanted] + " 권한이 있어야 할 수 있어요.";
    },
    showSignInStep: showStep
  };
})();
