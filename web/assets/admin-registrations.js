// The registrations card: how many registered, the draws, and the list of
// registrations with a search (사번, 추첨 번호, 휴대폰 번호) and "더 보기",
// from GET /api/admin/registrations.
// Starts on "pl:signed-in"; on "pl:refresh" reloads its first page only when
// no further page is shown and no search is being typed; clears on
// "pl:signed-out"; dispatches "pl:refused" on a 401/403 (the seam with admin.js).
(function () {
  "use strict";
  var PL = window.PL;
  var section = document.getElementById("registrations");
  if (!PL || !section) { return; }

  var PAGE_SIZE = 20;
  var TYPING_MS = 400;
  var LOAD_FAILED = "등록 현황을 불러오지 못했어요. 잠시 후 다시 시도해 주세요.";

  var countLine = document.getElementById("registrations-count");
  var drawsList = document.getElementById("draws");
  var form = document.getElementById("registrations-search");
  var input = document.getElementById("registrations-q");
  var searchError = document.getElementById("registrations-q-error");
  var resultLine = document.getElementById("registrations-result");
  var rowsBody = document.getElementById("registrations-rows");
  var table = document.getElementById("registrations-table");
  var moreButton = document.getElementById("registrations-more");

  var token = null;
  var query = "";        // the search the rows show
  var next = null;       // cursor of the page after the rows
  var pages = 0;         // pages shown
  var shown = 0;         // rows shown
  var typingTimer = null;
  var pending = 0;       // id of the latest load; older answers are dropped
  var inFlight = false;
  // What the rows and the draws show: a reload that finds the same leaves
  // the DOM alone (an operator may be selecting a number to copy).
  var rowsKey = "";
  var drawsKey = "";

  function refused() {
    document.dispatchEvent(new CustomEvent("pl:refused", { detail: {} }));
  }

  function typing() {
    return typingTimer !== null || input.value.trim() !== query;
  }

  // append: the page after the rows; otherwise the first page of ``query``.
  function load(append) {
    if (!token) { return; }
    var params = ["limit=" + PAGE_SIZE];
    if (query) { params.push("q=" + encodeURIComponent(query)); }
    if (append && next) { params.push("cursor=" + encodeURIComponent(next)); }
    var mine = ++pending;
    var asked = token;
    inFlight = true;
    moreButton.disabled = true;
    PL.api("/api/admin/registrations?" + params.join("&"), { token: asked }).then(function (res) {
      if (mine !== pending || token !== asked) { return; }
      inFlight = false;
      moreButton.disabled = false;
      if (res.status === 403) {
        // Signed in, but the registrations are the admins' (contract section 6).
        clearRows();
        say(resultLine, (res.data && res.data.message) || "");
        return;
      }
      if (res.status === 401) { refused(); return; }
      if (res.status === 400 && res.data) {
        // A search that is not 사번, 추첨 번호 or 휴대폰 번호: said next to the box.
        clearRows();
        say(resultLine, "");
        say(searchError, res.data.message || "");
        return;
      }
      if (res.status !== 200 || !res.data) {
        say(resultLine, (res.data && res.data.message) || LOAD_FAILED);
        return;
      }
      say(searchError, "");
      renderSummary(res.data);
      var key = JSON.stringify([query, res.data.registrations, res.data.next]);
      if (append || key !== rowsKey) {
        showRows(res.data.registrations || [], append, res.data.next || null);
        rowsKey = append ? "" : key;
      }
    });
  }

  // Only admins see the registrations (they hold callers' phones).
  function mayList() {
    var allowed = !PL.auth || PL.auth.can("admin");
    input.disabled = !allowed;
    if (!allowed) { say(resultLine, PL.auth.needs("admin") + " 등록 목록은 관리자만 봐요."); }
    return allowed;
  }

  document.addEventListener("pl:signed-in", function (event) {
    token = (event.detail && event.detail.token) || null;
    query = input.value.trim();
    if (mayList()) { load(false); }
  });
  document.addEventListener("pl:refresh", function (event) {
    token = (event.detail && event.detail.token) || token;
    if (!inFlight && pages <= 1 && !typing() && mayList()) { load(false); }
  });
  document.addEventListener("pl:signed-out", function () {
    token = null;
    pending++;
    inFlight = false;
    if (typingTimer) { clearTimeout(typingTimer); typingTimer = null; }
    query = "";
    input.value = "";
    countLine.textContent = "";
    drawsList.textContent = "";
    drawsKey = "";
    searchError.textContent = "";
    resultLine.textContent = "";
    clearRows();
  });

  function search() {
    if (typingTimer) { clearTimeout(typingTimer); typingTimer = null; }
    query = input.value.trim();
    next = null;
    load(false);
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    search();
  });
  input.addEventListener("input", function () {
    if (typingTimer) { clearTimeout(typingTimer); }
    typingTimer = setTimeout(function () { typingTimer = null; search(); }, TYPING_MS);
  });
  moreButton.addEventListener("click", function () { if (next) { load(true); } });

  // -- rendering (textContent only) ------------------------------------------------
  function number(n) { return Number(n || 0).toLocaleString("ko-KR"); }

  // Live regions speak on every change: the same words are not set again.
  function say(node, text) {
    if (node.textContent !== text) { node.textContent = text; }
  }

  // "+8210****5678" (masked E.164) -> "010-****-5678", as people write it.
  function phoneText(masked) {
    var text = String(masked || "");
    if (text.indexOf("+82") === 0) { text = "0" + text.slice(3); }
    var m = /^(0\d{1,2})([\d*]{3,4})([\d*]{4})$/.exec(text);
    return m ? m[1] + "-" + m[2] + "-" + m[3] : text;
  }

  function renderSummary(data) {
    say(countLine, "등록 " + number(data.count) + "명");
    var key = JSON.stringify(data.draws || []);
    if (key === drawsKey) { return; }
    drawsKey = key;
    drawsList.textContent = "";
    (data.draws || []).forEach(function (draw) {
      var numbers = (draw.lotteryNumbers || []).join(", ");
      var line = draw.drawNumber + "회차 · " + PL.formatDateTime(draw.drawnAt) + " · " +
        (draw.drawnBy || "") + " · 대상 " + number(draw.poolSize) + "명 중 " +
        number(draw.count) + "명: " + numbers;
      if (draw.reason) { line += " (재추첨 사유: " + draw.reason + ")"; }
      drawsList.appendChild(PL.el("li", { text: line }));
    });
    if (!(data.draws || []).length) {
      drawsList.appendChild(PL.el("li", { className: "help empty", text: "아직 추첨하지 않았어요." }));
    }
  }

  function clearRows() {
    rowsKey = "";
    rowsBody.textContent = "";
    pages = 0;
    shown = 0;
    next = null;
    moreButton.hidden = true;
    table.hidden = true;
  }

  function showRows(registrations, append, cursor) {
    if (!append) { clearRows(); }
    registrations.forEach(function (r) {
      rowsBody.appendChild(PL.el("tr", { "data-employee-id": r.employeeId }, [
        PL.el("td", { text: r.employeeId }),
        PL.el("td", { text: r.lotteryNumber }),
        PL.el("td", { text: phoneText(r.phone) }),
        PL.el("td", {}, [PL.el("time", { datetime: r.registeredAt,
                                         text: PL.formatDateTime(r.registeredAt) })])
      ]));
    });
    pages += registrations.length || !append ? 1 : 0;
    shown += registrations.length;
    next = cursor;
    moreButton.hidden = !cursor;
    table.hidden = shown === 0;
    if (!token) { say(resultLine, ""); return; }
    if (shown === 0) {
      say(resultLine, query ? "찾는 등록이 없어요. 사번, 추첨 번호, 휴대폰 번호를 다시 확인해 주세요."
                            : "아직 등록한 사람이 없어요.");
    } else {
      say(resultLine, (query ? "찾은 등록 " : "등록 목록 ") + number(shown) + "건" +
        (cursor ? " (더 있어요)" : "") + (query ? "" : " · 사번 순"));
    }
  }
})();
