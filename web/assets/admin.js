// The operators' dashboard shell: each operator signs in as themselves
// (admin-auth.js: the stage's Cognito pool, tokens kept for this tab only),
// then one dense table of requests with search,
// filters, paging, export (admin-export.js) and a detail panel
// (admin-detail.js), refreshed every 3 s.
//
// The other dashboard scripts (admin-insights.js, admin-registrations.js) hear
// from this one through events on `document` (docs: ROUND2.md, "Round 3"):
//   "pl:signed-in"  {token}  after the first successful list load of a sign-in
//   "pl:refresh"    {token}  on every auto-refresh tick
//   "pl:signed-out" {}       when the sign-in form shows again
// and tell it "pl:refused" {} when an admin call of theirs answers 401/403.
(function () {
  "use strict";
  var PL = window.PL;
  var REFRESH_MS = 3000;
  var BAD_TOKEN = "로그인이 만료됐어요. 다시 로그인해 주세요.";

  function $(id) { return document.getElementById(id); }
  var signIn = $("sign-in");
  var signedInAs = $("signed-in-as");
  var signInError = $("sign-in-error");
  var dashboard = $("dashboard");
  var signOutButton = $("sign-out");
  var refreshLine = $("refresh-line");
  var filtersForm = $("filters");
  var qInput = $("q");
  var qError = $("q-error");
  var statusFilter = $("status-filter");
  var escalatedFilter = $("escalated-filter");
  var fromDate = $("from-date");
  var toDate = $("to-date");
  var pageSize = $("page-size");
  var countsList = $("counts");
  var dashboardError = $("dashboard-error");
  var tbody = $("requests");
  var emptyLine = $("requests-empty");
  var pageLabel = $("page-label");
  var prevButton = $("prev-page");
  var nextButton = $("next-page");
  var firstButton = $("first-page");
  var exportButton = $("export-csv");
  var exportStatus = $("export-status");

  var token = null;
  var signedIn = false;       // a list loaded with this token (pl:signed-in sent)
  var timer = null;
  var generation = 0;         // answers to older loads are dropped
  var asked = 0;              // the operator's loads in flight
  var applied = {};           // the filters the table shows (last good search)
  var cursors = [null];       // cursors[i] opens page i + 1
  var nextCursor = null;
  var rows = [];
  var clockOffset = 0;        // server time - this computer's time (ms)
  var lastLoaded = null;
  // A search the API refused (400): its message stays and no rows show until
  // a search it takes; the refresh does not bring the previous rows back.
  var refused = false;
  var rowsShown = "";         // the rows' data as last drawn (without their age)

  PL.STATUSES.forEach(function (status) {
    statusFilter.appendChild(PL.el("option", { value: status, text: PL.statusLabel(status) }));
  });

  function serverNow() { return Date.now() + clockOffset; }

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail: detail }));
  }

  // -- signing in and out -----------------------------------------------------------
  function showSignIn(message) {
    var wasSignedIn = signedIn;
    token = null;
    signedIn = false;
    generation += 1;
    cursors = [null];
    PL.auth.forget();
    if (timer) { clearTimeout(timer); timer = null; }
    if (detail.currentId()) { detail.close(); }
    dashboard.hidden = true;
    signOutButton.hidden = true;
    signedInAs.hidden = true;
    refreshLine.hidden = true;
    signIn.hidden = false;
    signInError.textContent = message || "";
    PL.auth.showSignInStep("password");
    if (wasSignedIn) { emit("pl:signed-out", {}); }
  }

  function showDashboard() {
    signIn.hidden = true;
    dashboard.hidden = false;
    signOutButton.hidden = false;
    refreshLine.hidden = false;
    var who = PL.auth.username();
    signedInAs.textContent = who ? who + " · " + PL.auth.roleLabel(PL.auth.role()) : "";
    signedInAs.hidden = !who;
  }

  // The first list of this token loaded: the dashboard is live.
  function signedInWith(value) {
    token = value;
    showDashboard();
    if (!signedIn) {
      signedIn = true;
      emit("pl:signed-in", { token: value });
    }
    schedule();
  }

  document.addEventListener("pl:authenticated", function (event) {
    var value = event.detail.token;
    signInError.textContent = "";
    firstLoad(value).then(function (outcome) {
      if (outcome !== "ok") { return; }
      $("main").focus({ preventScroll: true });
    });
  });
  // A refreshed access token: the next loads carry it.
  document.addEventListener("pl:token", function (event) {
    if (token) { token = event.detail.token; schedule(); }
  });
  document.addEventListener("pl:session-ended", function (event) {
    showSignIn(event.detail.message);
  });

  signOutButton.addEventListener("click", function () {
    PL.auth.signOut().then(function () { showSignIn("로그아웃했어요."); });
  });
  document.addEventListener("pl:refused", function () {
    if (token) { showSignIn(BAD_TOKEN); }
  });

  // -- loading a page ---------------------------------------------------------------
  function queryOf(filters, cursor, limit) {
    var params = [];
    function add(name, value) {
      if (value) { params.push(name + "=" + encodeURIComponent(value)); }
    }
    add("q", filters.q);
    add("status", filters.status);
    add("escalated", filters.escalated ? "true" : "");
    add("from", filters.from);
    add("to", filters.to);
    add("limit", String(limit || filters.limit || 50));
    add("cursor", cursor);
    return "/api/admin/requests?" + params.join("&");
  }

  function refusedMessage(res) {
    return (res.data && res.data.message) || PL.NETWORK_ERROR;
  }

  // Loads one page into the table. Resolves "ok", "refused" (sign-in shown),
  // "bad" (a 400: its Korean message next to the search field, the table as it
  // was) or "failed" (other answers: said above the table, the table as it was).
  // An operator's own load (search, paging) wins over the refresh tick: a tick
  // waits while one is in flight, and answers to older loads are dropped.
  function load(withToken, filters, cursor, byTick) {
    if (byTick && asked) { return Promise.resolve("skipped"); }
    var mine = ++generation;
    if (!byTick) { asked += 1; }
    return PL.api(queryOf(filters, cursor), { token: withToken }).then(function (res) {
      if (!byTick) { asked -= 1; }
      if (mine !== generation) { return "stale"; }
      if (res.status === 401 || res.status === 403) {
        // The gateway's own refusal is English; operators read Korean.
        showSignIn(res.status === 403 ? refusedMessage(res) : BAD_TOKEN);
        return "refused";
      }
      if (res.status === 400) {
        qError.textContent = refusedMessage(res);
        if (!byTick) { showRefused(); }
        return "bad";
      }
      if (res.status !== 200 || !res.data) {
        if (signIn.hidden) { dashboardError.textContent = refusedMessage(res); }
        else { signInError.textContent = refusedMessage(res); }
        return "failed";
      }
      if (byTick && refused) { return "skipped"; }
      refused = false;
      qError.textContent = "";
      dashboardError.textContent = "";
      var at = Date.parse(res.data.generatedAt);
      if (!isNaN(at)) { clockOffset = at - Date.now(); }
      lastLoaded = res.data.generatedAt;
      if (res.data.counts) { renderCounts(res.data.counts, res.data.total); }
      rows = res.data.requests || [];
      nextCursor = res.data.next || null;
      // Unchanged data is not drawn again (a focused row, a selection stay);
      // only the ages and times left, which move with the clock, are updated.
      var shown = rowsKey(rows);
      if (shown !== rowsShown || !byTick) { renderRows(); } else { refreshClocks(); }
      renderPager();
      rows.forEach(function (r) { detail.update(r); });
      renderRefreshLine();
      return "ok";
    });
  }

  function showRefused() {
    refused = true;
    rows = [];
    rowsShown = "";
    nextCursor = null;
    tbody.textContent = "";
    emptyLine.hidden = true;
    renderPager();
  }

  function rowsKey(list) {
    return JSON.stringify(list.map(function (r) {
      var copy = {};
      Object.keys(r).forEach(function (k) { if (k !== "ageSeconds") { copy[k] = r[k]; } });
      return copy;
    }));
  }

  function filtersFromControls() {
    return {
      q: qInput.value.trim(), status: statusFilter.value,
      escalated: escalatedFilter.checked, from: fromDate.value, to: toDate.value,
      limit: pageSize.value
    };
  }

  // A new search from the toolbar: page one; kept only when the API takes it.
  function search() {
    if (!token) { return; }
    var wanted = filtersFromControls();
    load(token, wanted, null).then(function (outcome) {
      if (outcome === "ok") {
        applied = wanted;
        cursors = [null];
        renderPager();
        writeUrl();
      } else if (outcome === "bad") {
        qInput.focus();
      }
    });
  }

  filtersForm.addEventListener("submit", function (event) {
    event.preventDefault();
    search();
  });
  [statusFilter, escalatedFilter, fromDate, toDate, pageSize].forEach(function (control) {
    control.addEventListener("change", search);
  });
  $("reset-filters").addEventListener("click", function () {
    qInput.value = "";
    statusFilter.value = "";
    escalatedFilter.checked = false;
    fromDate.value = "";
    toDate.value = "";
    qError.textContent = "";
    search();
  });

  // -- paging -----------------------------------------------------------------------
  function goTo(stack) {
    load(token, applied, stack[stack.length - 1]).then(function (outcome) {
      if (outcome === "ok") { cursors = stack; renderPager(); writeUrl(); }
    });
  }
  nextButton.addEventListener("click", function () {
    if (nextCursor) { goTo(cursors.concat([nextCursor])); }
  });
  prevButton.addEventListener("click", function () {
    if (cursors.length > 1) { goTo(cursors.slice(0, -1)); }
  });
  firstButton.addEventListener("click", function () { goTo([null]); });

  function renderPager() {
    pageLabel.textContent = cursors.length + "쪽";
    prevButton.disabled = cursors.length <= 1 || refused;
    firstButton.disabled = cursors.length <= 1 || refused;
    nextButton.disabled = !nextCursor || refused;
  }

  // -- auto-refresh -----------------------------------------------------------------
  // Every REFRESH_MS the page being viewed (same filters, same cursor) loads
  // again. Paused while an action form in the detail panel is open, so the
  // operator's typing and the state it was typed against stay as they are.
  function paused() { return detail.busy(); }

  function renderRefreshLine() {
    if (paused()) {
      refreshLine.textContent = "입력하는 동안 자동 갱신을 멈췄어요. 보내거나 취소하면 다시 시작해요.";
      refreshLine.className = "refresh-line paused";
      return;
    }
    refreshLine.className = "refresh-line";
    refreshLine.textContent = (lastLoaded ? "마지막 갱신 " + PL.formatClock(lastLoaded) + " · " :
      "") + (REFRESH_MS / 1000) + "초마다 자동 갱신";
  }

  function tick() {
    timer = null;
    if (!token) { return; }
    if (paused() || document.hidden) {
      detail.tick();
      schedule();
      return;
    }
    var current = token;
    emit("pl:refresh", { token: current });
    if (refused) {
      // Nothing to refresh until the operator's next search is taken.
      detail.tick();
      schedule();
      return;
    }
    load(current, applied, cursors[cursors.length - 1], true).then(function (outcome) {
      if (outcome === "bad") {
        // The cursor is no longer taken (the list changed shape): page one.
        cursors = [null];
        renderPager();
      }
      if (token === current) { schedule(); }
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(tick, REFRESH_MS);
  }

  // -- the table --------------------------------------------------------------------
  function renderCounts(counts, total) {
    countsList.textContent = "";
    function item(label, value, status) {
      var button = PL.el("button", { type: "button", className: "count",
                                     "data-status": status === null ? "" : status }, [
        PL.el("span", { className: "count-label", text: label }),
        PL.el("span", { className: "count-value", text: value })
      ]);
      button.addEventListener("click", function () {
        statusFilter.value = status || "";
        search();
      });
      countsList.appendChild(PL.el("li", {}, [button]));
    }
    item("전체", total === undefined ? "" : total, null);
    PL.STATUSES.forEach(function (status) {
      item(PL.statusLabel(status), counts[status] || 0, status);
    });
  }

  function cell(className, label, children) {
    return PL.el("td", { className: className, "data-label": label }, children);
  }

  function renderRows() {
    var focusedId = tbody.contains(document.activeElement) ?
      document.activeElement.getAttribute("data-request-id") : null;
    var now = serverNow();
    var openId = detail.currentId();
    rowsShown = rowsKey(rows);
    tbody.textContent = "";
    emptyLine.hidden = rows.length > 0;
    rows.forEach(function (r) {
      var f = PL.admin.facts(r, now);
      var flags = PL.admin.markers(f);
      var classes = ["request-row"];
      if (f.overdue) { classes.push("overdue"); }
      if (f.notOpened) { classes.push("not-opened"); }
      if (f.closed) { classes.push("closed"); }
      if (r.requestId === openId) { classes.push("is-open"); }
      var id = String(r.requestId || "");
      var tr = PL.el("tr", {
        className: classes.join(" "), tabindex: "0", "data-request-id": id,
        "data-status": r.status, "aria-current": r.requestId === openId ? "true" : null
      }, [
        cell("col-id", "요청 번호", [PL.el("span", { className: "short-id", title: id,
                                               text: id.slice(0, 8) })]),
        cell("col-status", "상태", [
          PL.el("span", { className: "badge", "data-status": r.status,
                          text: PL.statusLabel(r.status) }),
          f.closed ? PL.el("span", { className: "closed-mark", text: "종료" }) : null
        ]),
        cell("col-intent", "유형", [document.createTextNode(PL.intentLabel(r.intent))]),
        cell("col-reservation", "예약번호",
             [document.createTextNode(r.reservationNumber || "—")]),
        cell("col-partner", "제휴점", [PL.el("span", { title: r.partnerName || "",
                                                   text: r.partnerName || "—" })]),
        cell("col-age", "경과", [document.createTextNode(PL.formatAge(r.ageSeconds))]),
        cell("col-left" + (f.pastDeadline ? " late" : ""), "남은 시간",
             [document.createTextNode(PL.admin.timeLeftText(f))]),
        cell("col-flags", "확인할 점", flags.map(function (m) {
          return PL.el("span", { className: "marker " + m.kind, text: m.text });
        }))
      ]);
      tbody.appendChild(tr);
    });
    if (focusedId) {
      var again = tbody.querySelector('tr[data-request-id="' + CSS.escape(focusedId) + '"]');
      if (again) { again.focus(); }
    }
  }

  // The clock moved, the data did not: the age and time-left cells change in
  // place; a row whose markers changed with the clock is drawn again.
  function refreshClocks() {
    var now = serverNow();
    var openId = detail.currentId();
    var redraw = false;
    rows.forEach(function (r) {
      var tr = tbody.querySelector('tr[data-request-id="' + CSS.escape(String(r.requestId)) + '"]');
      if (!tr) { redraw = true; return; }
      var f = PL.admin.facts(r, now);
      var flags = PL.admin.markers(f).map(function (m) { return m.text; }).join("|");
      var shownFlags = Array.prototype.map.call(tr.querySelectorAll(".col-flags .marker"),
        function (m) { return m.textContent; }).join("|");
      var isOpen = tr.classList.contains("is-open") !== (r.requestId === openId);
      var left = tr.querySelector("td.col-left");
      if (flags !== shownFlags || isOpen || !left ||
          left.classList.contains("late") !== Boolean(f.pastDeadline) ||
          tr.classList.contains("overdue") !== Boolean(f.overdue)) {
        redraw = true;
        return;
      }
      setText(tr.querySelector(".col-age"), PL.formatAge(r.ageSeconds));
      setText(left, PL.admin.timeLeftText(f));
    });
    if (redraw) { renderRows(); }
  }

  function setText(node, text) {
    if (node && node.textContent !== text) { node.textContent = text; }
  }

  function rowOf(node) {
    var tr = node && node.closest ? node.closest("tr[data-request-id]") : null;
    return tr && tbody.contains(tr) ? tr : null;
  }

  function openRow(tr) {
    var id = tr.getAttribute("data-request-id");
    var request = rows.filter(function (r) { return r.requestId === id; })[0];
    if (!request) { return; }
    detail.open(request);
    renderRows();
    writeUrl();
  }

  tbody.addEventListener("click", function (event) {
    var tr = rowOf(event.target);
    if (tr) { openRow(tr); }
  });
  tbody.addEventListener("keydown", function (event) {
    var tr = rowOf(event.target);
    if (!tr) { return; }
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      openRow(tr);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
      if (next) { next.focus(); }
    }
  });

  var detail = PL.admin.detail({
    panel: $("detail"),
    token: function () { return token; },
    now: serverNow,
    onRefused: function () { showSignIn(BAD_TOKEN); },
    onChanged: function (request) {
      rows = rows.map(function (r) { return r.requestId === request.requestId ? request : r; });
      renderRows();
    },
    onBusyChange: function () {
      renderRefreshLine();
      $("list-and-detail").classList.toggle("with-detail", Boolean(detail && detail.currentId()));
    },
    onClosed: function (requestId) {
      renderRows();
      writeUrl();
      var tr = requestId &&
        tbody.querySelector('tr[data-request-id="' + CSS.escape(requestId) + '"]');
      if (tr) { tr.focus(); }
    }
  });
  // -- export (admin-export.js) ------------------------------------------------------
  PL.admin.exporter({
    button: exportButton, status: exportStatus, now: serverNow,
    token: function () { return token; },
    filters: function () { return applied; },
    path: queryOf,
    onRefused: function () { showSignIn(BAD_TOKEN); }
  });

  // -- start --------------------------------------------------------------------------
  // After every deferred script of the page has run, so that the other
  // dashboard scripts hear "pl:signed-in" for a saved token too.
  function start() {
    PL.auth.resume().then(function (saved) {
      if (!saved) { showSignIn(""); }
      readUrl();  // after the sign-in form's reset: the link's view is kept for it
      renderPager();
      if (!saved) { return; }
      showDashboard();
      firstLoad(saved);
    });
  }

  // The first list of a sign-in: the page and the request the address names.
  function firstLoad(withToken) {
    return load(withToken, applied, cursors[cursors.length - 1]).then(function (outcome) {
      if (outcome === "bad" && cursors.length > 1) {
        // A page from an old link that the API no longer takes: page one.
        cursors = [null];
        return firstLoad(withToken);
      }
      if (outcome === "ok") {
        signedInWith(withToken);
        renderPager();
        openFromUrl(withToken);
      }
      return outcome;
    });
  }

  // -- the address keeps the view (deep links) ------------------------------------
  // Search, filters, page (its cursors) and the open request live in the
  // address's fragment: a reload or a shared link shows the same view, and the
  // fragment never reaches a server or its logs (a search may be a phone
  // number). Never the token.
  var urlOpenId = null;

  function writeUrl() {
    var params = [];
    function add(name, value) {
      if (value) { params.push(name + "=" + encodeURIComponent(value)); }
    }
    add("q", applied.q);
    add("status", applied.status);
    add("escalated", applied.escalated ? "true" : "");
    add("from", applied.from);
    add("to", applied.to);
    add("limit", applied.limit && applied.limit !== "50" ? applied.limit : "");
    add("page", cursors.slice(1).join("."));
    add("open", detail.currentId() || "");
    var hash = params.length ? "#" + params.join("&") : "";
    if (hash !== location.hash && !(hash === "" && location.hash === "#")) {
      history.replaceState(null, "", location.pathname + location.search + hash);
    }
  }

  function readUrl() {
    var params = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at > 0) {
        try {
          params[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1));
        } catch (e) { /* a broken link: that part is ignored */ }
      }
    });
    qInput.value = params.q || "";
    statusFilter.value = PL.STATUSES.indexOf(params.status) !== -1 ? params.status : "";
    escalatedFilter.checked = params.escalated === "true";
    fromDate.value = params.from || "";
    toDate.value = params.to || "";
    if (params.limit && Array.prototype.some.call(pageSize.options, function (o) {
      return o.value === params.limit;
    })) { pageSize.value = params.limit; }
    applied = filtersFromControls();
    cursors = [null].concat((params.page || "").split(".").filter(Boolean));
    urlOpenId = params.open || null;
  }

  function openFromUrl(withToken) {
    var id = urlOpenId;
    urlOpenId = null;
    if (!id) { return; }
    var found = rows.filter(function (r) { return r.requestId === id; })[0];
    if (found) { detail.open(found); renderRows(); return; }
    // Not on this page: the request itself, by its id.
    PL.api(queryOf({ q: id }, null, 1), { token: withToken }).then(function (res) {
      var match = res.status === 200 && res.data && (res.data.requests || []).filter(
        function (r) { return r.requestId === id; })[0];
      if (match && token === withToken) { detail.open(match); renderRows(); }
    });
  }

  if (document.readyState === "complete") { start(); }
  else { document.addEventListener("DOMContentLoaded", start); }
})();
