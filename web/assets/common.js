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
    Object.keys(options.headers || {}).forEach(function (name) {
      headers[name] = options.headers[name];
    });
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
  // Intents (labels, the partner's choices, the chat's steps and examples) come
  // from the one catalogue, chalicelib/nlu/catalogue.py, through the generated
  // assets/intents.js, loaded before this file.
  var CATALOGUE = window.PL_INTENTS || { intents: {}, other: { label: "", choices: {},
                                                               steps: {}, examples: [] },
                                         decisions: {}, offer: "" };
  var INTENT_LABELS = {};
  Object.keys(CATALOGUE.intents).forEach(function (name) {
    INTENT_LABELS[name] = CATALOGUE.intents[name].label;
  });
  INTENT_LABELS.FallbackIntent = CATALOGUE.other.label;
  var DECISION_LABELS = CATALOGUE.decisions;

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

  // -- the operators' dashboard: words and Korean time ---------------------------
  // Glossary (chalicelib/wording.py): 해요체, "제휴점" (never "파트너"), no field
  // names, codes or English shown; every time in Korean time (Asia/Seoul).

  // Every event type of the contract (CONTRACT.md section 3) as a sentence.
  var EVENT_LABELS = {
    "Created": "문의를 접수했어요",
    "SMS Sent": "제휴점에 문자를 보냈어요",
    "Opened": "제휴점이 링크를 열었어요",
    "Responded": "제휴점의 답이 기록됐어요",
    "Timeout": "응답 기한이 지났어요",
    "Notified": "고객에게 안내했어요",
    "Failed": "처리하지 못했어요",
    "AnswerNotDelivered": "답을 전달하지 못해 다시 답할 수 있게 했어요",
    "ReminderSent": "제휴점에 알림 문자를 한 번 더 보냈어요",
    "Escalated": "후속 조치 목록에 올렸어요",
    "LinkResent": "제휴점에 새 링크를 보냈어요",
    "AnsweredByOperator": "운영자가 전화로 받은 답을 기록했어요",
    "Closed": "운영자가 요청을 종료했어요",
    "CustomerAccepted": "고객이 제안한 시간으로 하겠다고 했어요",
    "CustomerDeclined": "고객이 제안한 시간은 어렵다고 했어요"
  };
  // The reasons events carry (codes in chalicelib: intake, partner.answers, sender).
  var REASON_LABELS = {
    "RESERVATION_NOT_FOUND": "예약을 찾지 못했어요",
    "RESERVATION_MISMATCH": "휴대폰 번호가 예약과 달라요",
    "WORKFLOW_UNAVAILABLE": "확인 절차를 시작하지 못했어요",
    "partner_unreachable": "제휴점 번호로 문자를 보낼 수 없어요",
    "bad_token": "잘못된 링크로 들어왔어요",
    "expired_token": "만료된 링크로 들어왔어요",
    "wrong_scope": "다른 용도의 링크로 들어왔어요",
    "replaced_token": "새 링크로 바뀐 예전 링크로 들어왔어요",
    "late_answer": "기한이 지난 뒤에 온 답이에요",
    "answer_not_delivered": "답을 전달하지 못했어요"
  };
  var SOURCE_LABELS = { template: "자동 문구", bedrock: "AI 작성" };
  var stampFormat = null;
  try {
    stampFormat = new Intl.DateTimeFormat("ko-KR", {
      timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
    });
  } catch (e) { /* fixed offset below: Korea keeps no daylight saving time */ }

  // "2026-11-29 14:03:12" in Korean time: for tables and files (sorts as text).
  function formatStamp(iso) {
    var date = new Date(iso);
    if (!iso || isNaN(date.getTime())) { return ""; }
    if (stampFormat && stampFormat.formatToParts) {
      var p = {};
      stampFormat.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
      return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" +
        p.second;
    }
    return new Date(date.getTime() + 9 * 3600 * 1000).toISOString().slice(0, 19)
      .replace("T", " ");
  }

  // "14:03:12" today (Korean date), "11-28 14:03" on another day.
  function formatShort(iso, nowMs) {
    var stamp = formatStamp(iso);
    if (!stamp) { return ""; }
    var today = formatStamp(new Date(nowMs || Date.now()).toISOString()).slice(0, 10);
    return stamp.slice(0, 10) === today ? stamp.slice(11) : stamp.slice(5, 16);
  }

  // 75 -> "1분 15초"; 7260 -> "2시간 1분"; 90000 -> "1일 1시간".
  function formatDuration(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) { return s + "초"; }
    if (s < 3600) { return Math.floor(s / 60) + "분" + (s % 60 ? " " + (s % 60) + "초" : ""); }
    if (s < 86400) {
      var m = Math.floor((s % 3600) / 60);
      return Math.floor(s / 3600) + "시간" + (m ? " " + m + "분" : "");
    }
    var h = Math.floor((s % 86400) / 3600);
    return Math.floor(s / 86400) + "일" + (h ? " " + h + "시간" : "");
  }

  function intentEntry(intent) {
    return CATALOGUE.intents[intent] || CATALOGUE.other;
  }

  // The words the partner page offers per kind of request.
  function decisionChoices(intent) {
    return intentEntry(intent).choices;
  }

  // The chat's progress step for the partner's answer ("처리 예정").
  function decisionStep(intent, decision) {
    return intentEntry(intent).steps[decision] || "";
  }

  // "RS-2025110301 방에 물이 새요", one per kind of request.
  function intentExamples() {
    var out = [];
    Object.keys(CATALOGUE.intents).forEach(function (name) {
      out = out.concat(CATALOGUE.intents[name].examples);
    });
    return out;
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
    // Unknown codes read as nothing rather than as English.
    eventLabel: function (s) { return EVENT_LABELS[s] || "기타 기록"; },
    reasonLabel: function (s) { return REASON_LABELS[s] || ""; },
    sourceLabel: function (s) { return SOURCE_LABELS[s] || ""; },
    decisionChoices: decisionChoices,
    decisionStep: decisionStep,
    intentExamples: intentExamples,
    // "예약 변경, 트러블 신고, 부가 서비스 요청을": what the chat helps with.
    intentOffer: function () { return CATALOGUE.offer || ""; },
    formatStamp: formatStamp,
    formatShort: formatShort,
    formatDuration: formatDuration,
    EVENT_TYPES: Object.keys(EVENT_LABELS),
    STATUSES: ["Created", "SMS Sent", "Responded", "Timeout", "Failed"],
    NETWORK_ERROR: "연결이 원활하지 않아요. 잠시 후 다시 시도해 주세요."
  };
})();
