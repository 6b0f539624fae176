// Shared by the chat and the dashboard. No framework: a few helpers.
// Every piece of data reaches the page through textContent, never innerHTML.
(function () {
  "use strict";

  function apiBase() {
    var config = window.PARTNERLINE_CONFIG || {};
    var base = config.apiBaseUrl || window.API_BASE || "";
    if (!base) {
      var meta = document.querySelector('meta[name="api-base"]');
      base = (meta && meta.content) || "";
    }
    return base.replace(/\/+$/, "");
  }

  // fetch() with a time limit; resolves to {status, data} and never throws
  // for HTTP errors (status 0 = no answer at all).
  function api(path, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    var init = { method: options.method || "GET", headers: headers };
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (options.token) {
      headers.Authorization = "Bearer " + options.token;
    }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = null;
    if (controller) {
      init.signal = controller.signal;
      timer = setTimeout(function () { controller.abort(); }, options.timeoutMs || 10000);
    }
    return fetch(apiBase() + path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: response.status, data: data };
      });
    }).catch(function () {
      return { status: 0, data: null };
    }).finally(function () {
      if (timer) { clearTimeout(timer); }
    });
  }

  // el("li", {className: "x", text: "..."}, [children]) -- text via textContent.
  function el(tag, props, children) {
    var node = document.createElement(tag);
    props = props || {};
    Object.keys(props).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null) { return; }
      if (key === "text") { node.textContent = String(value); }
      else if (key === "className") { node.className = value; }
      else { node.setAttribute(key, String(value)); }
    });
    (children || []).forEach(function (child) {
      if (child) { node.appendChild(child); }
    });
    return node;
  }

  var STATUS_LABELS = {
    "Created": "접수",
    "SMS Sent": "문자 발송",
    "Opened": "링크 열람",
    "Responded": "응답 완료",
    "Timeout": "응답 시간 초과",
    "Notified": "고객 안내",
    "AnswerNotDelivered": "응답 전달 실패(다시 응답 가능)",
    "Failed": "실패"
  };
  var INTENT_LABELS = {
    "ChangeReservation": "예약 변경",
    "ReportTrouble": "트러블 신고",
    "RequestAddOnService": "부가 서비스 요청",
    "FallbackIntent": "기타"
  };
  var DECISION_LABELS = { accept: "수락", reject: "거절", propose: "다른 시간 제안" };

  var timeFormat = null;
  var dateTimeFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat("ko-KR", {
      timeZone: "Asia/Seoul", hour: "2-digit", minute: "2-digit", second: "2-digit",
      hour12: false
    });
    dateTimeFormat = new Intl.DateTimeFormat("ko-KR", {
      timeZone: "Asia/Seoul", month: "long", day: "numeric", weekday: "short",
      hour: "numeric", minute: "2-digit"
    });
  } catch (e) { /* very old browser: raw ISO text below */ }

  function formatClock(iso) {
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime()) || !timeFormat) { return iso || ""; }
    return timeFormat.format(date);
  }

  function formatDateTime(iso) {
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime()) || !dateTimeFormat) { return iso || ""; }
    return dateTimeFormat.format(date);
  }

  function formatAge(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) { return ""; }
    if (seconds < 60) { return seconds + "초 전"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + "분 전"; }
    if (seconds < 86400) { return Math.floor(seconds / 3600) + "시간 전"; }
    return Math.floor(seconds / 86400) + "일 전";
  }

  function label(map, key) {
    return map[key] || key || "";
  }

  window.PL = {
    api: api,
    apiBase: apiBase,
    el: el,
    formatClock: formatClock,
    formatDateTime: formatDateTime,
    formatAge: formatAge,
    statusLabel: function (s) { return label(STATUS_LABELS, s); },
    intentLabel: function (s) { return label(INTENT_LABELS, s); },
    decisionLabel: function (s) { return label(DECISION_LABELS, s); },
    STATUSES: ["Created", "SMS Sent", "Responded", "Timeout", "Failed"],
    NETWORK_ERROR: "연결이 원활하지 않아요. 잠시 후 다시 시도해 주세요."
  };
})();
