// The operators' dashboard: sign in with the admin token (kept for this tab
// only, in sessionStorage), then a list that refreshes itself.
(function () {
  "use strict";
  var PL = window.PL;
  var REFRESH_MS = 3000;
  var TOKEN_KEY = "partnerline.adminToken";
  var BAD_TOKEN = "관리자 토큰이 올바르지 않아요. 다시 확인해 주세요.";

  var signIn = document.getElementById("sign-in");
  var signInForm = document.getElementById("sign-in-form");
  var tokenInput = document.getElementById("token");
  var signInError = document.getElementById("sign-in-error");
  var dashboard = document.getElementById("dashboard");
  var signOutButton = document.getElementById("sign-out");
  var countsList = document.getElementById("counts");
  var filter = document.getElementById("status-filter");
  var refreshLine = document.getElementById("refresh-line");
  var dashboardError = document.getElementById("dashboard-error");
  var requestsList = document.getElementById("requests");
  var requestsEmpty = document.getElementById("requests-empty");

  var token = null;
  var timer = null;
  var inFlight = false;

  PL.STATUSES.forEach(function (status) {
    filter.appendChild(PL.el("option", { value: status,
      text: PL.statusLabel(status) + " (" + status + ")" }));
  });

  function storedToken() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  function rememberToken(value) {
    try {
      if (value) { sessionStorage.setItem(TOKEN_KEY, value); }
      else { sessionStorage.removeItem(TOKEN_KEY); }
    } catch (e) { /* private mode: this page load only */ }
  }

  // The seam with the dashboard's other scripts (admin-insights.js,
  // admin-registrations.js): DOM events on document.
  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail || {} }));
  }
  document.addEventListener("pl:refused", function () { showSignIn(BAD_TOKEN); });

  function showSignIn(message) {
    emit("pl:signed-out");
    token = null;
    rememberToken(null);
    if (timer) { clearTimeout(timer); timer = null; }
    dashboard.hidden = true;
    signOutButton.hidden = true;
    signIn.hidden = false;
    signInError.textContent = message || "";
    tokenInput.value = "";
    tokenInput.focus();
  }

  function showDashboard() {
    signIn.hidden = true;
    dashboard.hidden = false;
    signOutButton.hidden = false;
  }

  signInForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = tokenInput.value.trim();
    if (!value) {
      signInError.textContent = "관리자 토큰을 입력해 주세요.";
      tokenInput.focus();
      return;
    }
    signInError.textContent = "";
    loadRequests(value).then(function (ok) {
      if (!ok) { return; }
      token = value;
      rememberToken(value);
      showDashboard();
      document.getElementById("main").focus();
      emit("pl:signed-in", { token: value });
      schedule();
    });
  });

  signOutButton.addEventListener("click", function () { showSignIn(""); });
  filter.addEventListener("change", function () { refresh(); });

  function isRefused(status) { return status === 401 || status === 403; }

  // Resolves true when the list loaded with this token.
  function loadRequests(withToken) {
    var status = filter.value;
    var path = "/api/admin/requests" + (status ? "?status=" + encodeURIComponent(status) : "");
    return PL.api(path, { token: withToken }).then(function (res) {
      if (isRefused(res.status)) {
        // The gateway's own refusal is English; operators read Korean.
        showSignIn(BAD_TOKEN);
        return false;
      }
      if (res.status !== 200 || !res.data) {
        var message = (res.data && res.data.message) || PL.NETWORK_ERROR;
        if (signIn.hidden) { dashboardError.textContent = message; }
        else { signInError.textContent = message; }
        return false;
      }
      dashboardError.textContent = "";
      renderCounts(res.data.counts || {}, res.data.total);
      renderRequests(res.data.requests || []);
      refreshLine.textContent = "마지막 갱신: " + PL.formatClock(res.data.generatedAt) +
        " · " + (REFRESH_MS / 1000) + "초마다 자동 갱신";
      return true;
    });
  }

  function refresh() {
    if (!token || inFlight) { return Promise.resolve(); }
    inFlight = true;
    return loadRequests(token).finally(function () {
      inFlight = false;
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () {
      if (token) { emit("pl:refresh", { token: token }); }
      refresh().then(function () { if (token) { schedule(); } });
    }, REFRESH_MS);
  }

  // -- rendering (textContent only) -------------------------------------------
  function renderCounts(counts, total) {
    countsList.textContent = "";
    countsList.appendChild(PL.el("li", { className: "count" }, [
      PL.el("span", { className: "count-label", text: "전체" }),
      PL.el("span", { className: "count-value", text: total === undefined ? "" : total })
    ]));
    PL.STATUSES.forEach(function (status) {
      countsList.appendChild(PL.el("li", { className: "count", "data-status": status }, [
        PL.el("span", { className: "count-label", text: PL.statusLabel(status) }),
        PL.el("span", { className: "count-value", text: counts[status] || 0 })
      ]));
    });
  }

  function field(name, value) {
    if (value === undefined || value === null || value === "") { return null; }
    return PL.el("div", { className: "kv" }, [
      PL.el("dt", { text: name }), PL.el("dd", { text: value })
    ]);
  }

  function timeline(events) {
    var list = PL.el("ol", { className: "timeline", "aria-label": "처리 이력" });
    (events || []).forEach(function (e) {
      var detail = [];
      if (e.decision) { detail.push(PL.decisionLabel(e.decision)); }
      if (e.source) { detail.push(e.source); }
      if (e.reason) { detail.push(e.reason); }
      list.appendChild(PL.el("li", { "data-event": e.type }, [
        PL.el("time", { datetime: e.at, text: PL.formatClock(e.at) }),
        PL.el("span", { className: "event-type",
          text: PL.statusLabel(e.type) + " (" + e.type + ")" }),
        detail.length ? PL.el("span", { className: "event-detail",
          text: detail.join(" · ") }) : null
      ]));
    });
    return list;
  }

  function renderRequests(requests) {
    requestsList.textContent = "";
    requestsEmpty.hidden = requests.length > 0;
    requests.forEach(function (r) {
      var partner = [r.partnerName, r.partnerId, r.partnerPhone].filter(Boolean).join(" · ");
      var notification = r.notification ?
        r.notification.message + " [" + r.notification.source + "]" : null;
      var item = PL.el("li", { className: "request", "data-request-id": r.requestId,
                               "data-status": r.status }, [
        PL.el("div", { className: "request-head" }, [
          PL.el("span", { className: "badge", "data-status": r.status,
                          text: PL.statusLabel(r.status) }),
          PL.el("h3", { text: PL.intentLabel(r.intent) + " · " + (r.reservationNumber || "-") }),
          PL.el("span", { className: "age", text: PL.formatAge(r.ageSeconds) })
        ]),
        PL.el("dl", { className: "fields" }, [
          field("요청 ID", r.requestId),
          field("파트너", partner),
          field("고객", r.customerPhone),
          field("문의 내용", r.text),
          field("파트너 결정", r.decision ? PL.decisionLabel(r.decision) : null),
          field("제안 시간", r.alternativeTime ? PL.formatDateTime(r.alternativeTime) : null),
          field("고객 안내", notification),
          field("접수 시각", PL.formatDateTime(r.createdAt))
        ]),
        timeline(r.events)
      ]);
      requestsList.appendChild(item);
    });
  }

  // -- start ------------------------------------------------------------------
  var saved = storedToken();
  if (saved) {
    token = saved;
    showDashboard();
    loadRequests(saved).then(function (ok) {
      if (ok) { emit("pl:signed-in", { token: saved }); schedule(); }
    });
  } else {
    showSignIn("");
  }
})();
