// The operators' dashboard: the access record (GET /api/admin/access-log,
// admins only) -- who saw which personal data, when, from where; newest first,
// "더 보기" for older ones. Hears "pl:signed-in", "pl:refresh", "pl:signed-out"
// from admin.js.
(function () {
  "use strict";
  var PL = window.PL;
  var PAGE = 20;
  var ACTIONS = { list: "요청 목록 조회", "export": "엑셀 내보내기", reveal: "전체 번호 보기",
                  registrations: "등록 목록 조회" };
  var FIELDS = { customerPhone: "고객 번호", partnerPhone: "제휴점 번호" };

  function $(id) { return document.getElementById(id); }
  var section = $("access-log");
  var table = $("access-log-table");
  var rowsNode = $("access-log-rows");
  var errorLine = $("access-log-error");
  var moreButton = $("access-log-more");
  var note = $("access-log-note");
  var token = null;
  var next = null;
  var pages = 0;
  var pending = 0;

  function target(r) {
    var parts = [];
    if (r.detail && r.detail.field) {
      parts.push((FIELDS[r.detail.field] || "") + " · 이유: " + (r.detail.reason || ""));
    }
    var query = r.query || {};
    var asked = Object.keys(query).map(function (k) { return k + "=" + query[k]; });
    if (asked.length) { parts.push("조건 " + asked.join(", ")); }
    parts.push((r.people || 0) + "건");
    return parts.join(" · ");
  }

  function show(records, append) {
    if (!append) { rowsNode.textContent = ""; }
    records.forEach(function (r) {
      rowsNode.appendChild(PL.el("tr", { "data-action": r.action }, [
        PL.el("td", { text: PL.formatStamp(r.at) }),
        PL.el("td", { className: "access-operator", text: r.operator + " (" +
                      (PL.auth ? PL.auth.roleLabel(r.role) : r.role) + ")" }),
        PL.el("td", { text: ACTIONS[r.action] || r.action }),
        PL.el("td", { text: target(r) }),
        PL.el("td", { text: r.sourceIp || "" })
      ]));
    });
    table.hidden = rowsNode.childNodes.length === 0;
  }

  function load(append) {
    if (!token) { return; }
    var mine = ++pending;
    var path = "/api/admin/access-log?limit=" + PAGE +
      (append && next ? "&cursor=" + encodeURIComponent(next) : "");
    PL.api(path, { token: token }).then(function (res) {
      if (mine !== pending) { return; }
      if (res.status !== 200 || !res.data) {
        errorLine.textContent = (res.data && res.data.message) || PL.NETWORK_ERROR;
        return;
      }
      errorLine.textContent = "";
      pages = append ? pages + 1 : 1;
      next = res.data.next || null;
      show(res.data.records || [], append);
      moreButton.hidden = !next;
    });
  }

  function allowed() {
    var may = !PL.auth || PL.auth.can("admin");
    section.setAttribute("data-allowed", may ? "true" : "false");
    if (!may) {
      note.textContent = PL.auth.needs("admin") + " 접근 기록은 관리자만 봐요.";
      table.hidden = true;
      moreButton.hidden = true;
    }
    return may;
  }

  moreButton.addEventListener("click", function () { load(true); });
  document.addEventListener("pl:signed-in", function (event) {
    token = (event.detail && event.detail.token) || null;
    if (allowed()) { load(false); }
  });
  document.addEventListener("pl:refresh", function (event) {
    token = (event.detail && event.detail.token) || token;
    if (pages <= 1 && allowed()) { load(false); }
  });
  document.addEventListener("pl:signed-out", function () {
    token = null;
    pending++;
    next = null;
    pages = 0;
    rowsNode.textContent = "";
    table.hidden = true;
    moreButton.hidden = true;
  });
})();
