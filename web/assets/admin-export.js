// The operators' dashboard, part three: the request list as a file for Excel.
// Everything the current search matches, page after page (the API's `next`
// cursor), at most PL.admin.exportCap rows; Korean headers, Korean time, phones
// masked as the API gives them, UTF-8 with a byte order mark so that Excel
// reads Korean. Built in the page and saved through a Blob link: nothing new
// on the server, and the page's content security policy allows it (a download
// is not a script, a style or a fetch).
(function () {
  "use strict";
  var PL = window.PL;
  var PAGE = 100;            // the API's largest page
  PL.admin = PL.admin || {};
  PL.admin.exportCap = 5000; // rows in one file: beyond, narrow the search

  var COLUMNS = [
    ["요청 번호", function (r) { return r.requestId; }],
    ["상태", function (r) { return PL.statusLabel(r.status); }],
    ["종료", function (r) { return r.closedAt ? "종료" : ""; }],
    ["유형", function (r) { return PL.intentLabel(r.intent); }],
    ["예약번호", function (r) { return r.reservationNumber; }],
    ["제휴점", function (r) { return r.partnerName; }],
    ["제휴점 연락처", function (r) { return r.partnerPhone; }],
    ["고객 연락처", function (r) { return r.customerPhone; }],
    ["문의 내용", function (r) { return r.text; }],
    ["접수", function (r) { return PL.formatStamp(r.createdAt); }],
    ["응답 기한", function (r) { return PL.formatStamp(r.deadline); }],
    ["제휴점 답변", function (r) { return r.decision ? PL.decisionLabel(r.decision) : ""; }],
    ["제안한 시간", function (r) { return PL.formatStamp(r.alternativeTime); }],
    ["답변 시각", function (r) { return PL.formatStamp(r.respondedAt); }],
    ["후속 조치 등록", function (r) { return PL.formatStamp(r.escalatedAt); }],
    ["종료 시각", function (r) { return PL.formatStamp(r.closedAt); }],
    ["종료한 분", function (r) { return r.closedBy; }],
    ["종료 메모", function (r) { return r.closeNote; }],
    ["고객 안내", function (r) { return r.notification ? r.notification.message : ""; }],
    ["마지막 변경", function (r) { return PL.formatStamp(r.updatedAt); }]
  ];
  var PHONE_LIKE = /^\+?[0-9*]+$/;

  // Bidi controls and zero-width characters: a spreadsheet cell cannot be
  // isolated, so they are dropped (intake removes them too; older rows may have them).
  var INVISIBLE = /[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

  function cell(value) {
    var text = value === undefined || value === null ? "" : String(value);
    text = text.replace(INVISIBLE, "");
    // A cell that starts like a formula (=, +, -, @) is made text with a leading
    // apostrophe, which spreadsheets hide: customers type what they like, and
    // request ids may start with "-". Masked phones stay as the API gives them.
    if (/^[=+\-@\t\r]/.test(text) && !PHONE_LIKE.test(text)) { text = "'" + text; }
    return '"' + text.replace(/"/g, '""') + '"';
  }

  function toCsv(list) {
    var lines = [COLUMNS.map(function (c) { return cell(c[0]); }).join(",")];
    list.forEach(function (r) {
      lines.push(COLUMNS.map(function (c) { return cell(c[1](r)); }).join(","));
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  function save(text, nowMs) {
    var stamp = PL.formatStamp(new Date(nowMs).toISOString()).replace(/[-: ]/g, "").slice(0, 12);
    var url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    var link = PL.el("a", { href: url, download: "요청목록-" + stamp + ".csv", hidden: "" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  // options: button, status (where progress is said), token(), filters() (the
  // search the table shows), path(filters, cursor, limit), now(), onRefused().
  PL.admin.exporter = function (options) {
    var running = false;
    var status = options.status;

    // Exports are the admins' (contract section 6): others see why not.
    document.addEventListener("pl:signed-in", function () {
      var allowed = !PL.auth || PL.auth.can("admin");
      options.button.disabled = !allowed;
      status.textContent = allowed ? "" : PL.auth.needs("admin");
    });

    function finish(message) {
      running = false;
      options.button.disabled = false;
      status.textContent = message;
    }

    options.button.addEventListener("click", function () {
      var token = options.token();
      if (running || !token) { return; }
      running = true;
      options.button.disabled = true;
      var filters = options.filters();
      var cap = PL.admin.exportCap;
      var found = [];
      status.textContent = "0건 내보내는 중…";

      function page(cursor) {
        // export=true: the server records the pages as an export (admins only).
        PL.api(options.path(filters, cursor, PAGE) + "&export=true",
               { token: token }).then(function (res) {
          if (res.status === 403) {
            finish((res.data && res.data.message) || "");
            return;
          }
          if (res.status === 401) {
            finish("");
            options.onRefused();
            return;
          }
          if (res.status !== 200 || !res.data) {
            finish("내보내지 못했어요. " + ((res.data && res.data.message) || PL.NETWORK_ERROR));
            return;
          }
          found = found.concat(res.data.requests || []);
          var more = res.data.next;
          if (found.length > cap || (found.length === cap && more)) {
            save(toCsv(found.slice(0, cap)), options.now());
            finish(cap + "건까지만 내보냈어요. 더 필요하면 기간이나 검색어로 좁혀 나눠 받아 " +
                   "주세요.");
            return;
          }
          if (more) {
            status.textContent = found.length + "건 내보내는 중…";
            page(more);
            return;
          }
          save(toCsv(found), options.now());
          finish(found.length + "건을 내보냈어요.");
        });
      }
      page(null);
    });
  };
})();
