// The dashboard's charts ("한눈에 보기"): outcomes per day, how fast 제휴점
// answer, registrations per hour, from GET /api/admin/stats.
// Starts on "pl:signed-in", reloads on "pl:refresh" at most every 30 s,
// clears on "pl:signed-out", and dispatches "pl:refused" on a 401/403 (the
// seam with admin.js). Drawn with the DOM: SVG bars (geometry attributes
// only, no style attributes: the page's CSP), labels as HTML text. Every
// chart has a text alternative: a summary on the drawing and a table.
(function () {
  "use strict";
  var PL = window.PL;
  var section = document.getElementById("insights");
  if (!PL || !section) { return; }

  var SVG_NS = "http://www.w3.org/2000/svg";
  var EVERY_MS = 30000;
  var RETRY_MS = 10000;
  var EMPTY = "아직 데이터가 없어요.";
  var WEEKDAYS = ["일", "월", "화", "수", "목", "금", "토"];
  var OUTCOMES = [
    // The decisions' plain names come from the intents' catalogue (assets/intents.js).
    { key: "accept", label: PL.decisionLabel("accept") },
    { key: "reject", label: PL.decisionLabel("reject") },
    { key: "propose", label: PL.decisionLabel("propose") },
    { key: "timeout", label: "응답 없음" },
    { key: "failed", label: "실패" },
    { key: "waiting", label: "대기 중" }
  ];

  var windowLine = document.getElementById("insights-window");
  var errorLine = document.getElementById("insights-error");
  var bodies = {
    outcomes: section.querySelector("#chart-outcomes .chart-body"),
    response: section.querySelector("#chart-response .chart-body"),
    registrations: section.querySelector("#chart-registrations .chart-body")
  };

  var token = null;
  var loadedAt = 0;
  var inFlight = false;

  // -- loading -----------------------------------------------------------------
  function load() {
    if (!token || inFlight) { return; }
    var asked = token;
    inFlight = true;
    PL.api("/api/admin/stats", { token: asked }).then(function (res) {
      inFlight = false;
      if (token !== asked) { return; }  // signed out (or in again) meanwhile
      if (res.status === 401 || res.status === 403) {
        document.dispatchEvent(new CustomEvent("pl:refused", { detail: {} }));
        return;
      }
      if (res.status !== 200 || !res.data) {
        errorLine.textContent = (res.data && res.data.message) || PL.NETWORK_ERROR;
        loadedAt = Date.now() - EVERY_MS + RETRY_MS;
        return;
      }
      errorLine.textContent = "";
      loadedAt = Date.now();
      render(res.data);
    });
  }

  document.addEventListener("pl:signed-in", function (event) {
    token = (event.detail && event.detail.token) || null;
    loadedAt = 0;
    load();
  });
  document.addEventListener("pl:refresh", function (event) {
    token = (event.detail && event.detail.token) || token;
    if (Date.now() - loadedAt >= EVERY_MS) { load(); }
  });
  document.addEventListener("pl:signed-out", function () {
    token = null;
    loadedAt = 0;
    clear();
  });

  function clear() {
    windowLine.textContent = "";
    errorLine.textContent = "";
    Object.keys(bodies).forEach(function (name) { bodies[name].textContent = ""; });
  }

  // -- words -----------------------------------------------------------------------
  function number(n) { return Number(n || 0).toLocaleString("ko-KR"); }

  // "2026-05-10" -> parts, read as written (a KST date from the API).
  function dateParts(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text || "");
    if (!m) { return null; }
    var y = +m[1], mo = +m[2], d = +m[3];
    return { month: mo, day: d, weekday: WEEKDAYS[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()] };
  }
  function shortDay(text) {
    var p = dateParts(text);
    return p ? p.month + "/" + p.day : "";
  }
  function longDay(text) {
    var p = dateParts(text);
    return p ? p.month + "월 " + p.day + "일(" + p.weekday + ")" : "";
  }
  function monthDay(text) {
    var p = dateParts(text);
    return p ? p.month + "월 " + p.day + "일" : "";
  }
  // "2026-05-10T14:00+09:00" -> its KST hour as written.
  function hourOf(text) {
    var m = /T(\d{2}):/.exec(text || "");
    return m ? +m[1] : null;
  }
  function longHour(text) {
    var p = dateParts(text);
    return p ? p.month + "월 " + p.day + "일 " + hourOf(text) + "시" : "";
  }

  // 45 -> "45초", 60 -> "1분", 61.4 -> "1분 1초".
  function duration(seconds) {
    var s = Math.round(seconds);
    if (s < 60) { return s + "초"; }
    var minutes = Math.floor(s / 60), rest = s % 60;
    return minutes + "분" + (rest ? " " + rest + "초" : "");
  }
  function bucketLabel(upTo, previous) {
    if (upTo === null) { return duration(previous) + " 넘게"; }
    return "~" + duration(upTo);
  }

  // -- drawing -----------------------------------------------------------------------
  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = String(attrs[key]); }
      else { node.setAttribute(key, String(attrs[key])); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  // Bars side by side, 10 units each, in a plot stretched to the card's width
  // (the text around it stays HTML, so it never stretches). ``stacks``: per
  // bar, [{value, className, title}] from the bottom; ``titles``: per bar.
  function bars(stacks, titles, max, summary) {
    var width = stacks.length * 10;
    var plot = svg("svg", {
      "class": "chart-plot", viewBox: "0 0 " + width + " 100", preserveAspectRatio: "none",
      role: "img", "aria-label": summary, focusable: "false"
    });
    [0, 50].forEach(function (y) {
      plot.appendChild(svg("line", { "class": "grid", x1: 0, x2: width, y1: y + 0.5, y2: y + 0.5,
                                     "vector-effect": "non-scaling-stroke" }));
    });
    stacks.forEach(function (stack, i) {
      var group = svg("g", { "class": "bar", "data-index": i }, [svg("title", { text: titles[i] })]);
      var bottom = 100;
      stack.forEach(function (part) {
        if (!part.value) { return; }
        var height = part.value / max * 100;
        bottom -= height;
        group.appendChild(svg("rect", {
          "class": "seg " + part.className, x: i * 10 + 1.5, width: 7, y: bottom, height: height
        }, [svg("title", { text: part.title })]));
      });
      plot.appendChild(group);
    });
    plot.appendChild(svg("line", { "class": "axis", x1: 0, x2: width, y1: 99.5, y2: 99.5,
                                   "vector-effect": "non-scaling-stroke" }));
    return plot;
  }

  function labelRow(labels, className) {
    return PL.el("ol", { className: "chart-labels " + (className || ""), "aria-hidden": "true" },
      labels.map(function (text) { return PL.el("li", { text: text }); }));
  }

  // Inside a visually hidden box: a table keeps its content's width whatever
  // its own, and would widen the page.
  function dataTable(caption, headers, rows) {
    return PL.el("div", { className: "visually-hidden" }, [PL.el("table", { className: "chart-table" }, [
      PL.el("caption", { text: caption }),
      PL.el("thead", {}, [PL.el("tr", {}, headers.map(function (h) {
        return PL.el("th", { scope: "col", text: h });
      }))]),
      PL.el("tbody", {}, rows.map(function (row) {
        return PL.el("tr", {}, row.map(function (cell, i) {
          return PL.el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: cell }
                                                       : { text: cell });
        }));
      }))
    ])]);
  }

  function empty(body, text) {
    body.textContent = "";
    body.appendChild(PL.el("p", { className: "chart-empty", text: text || EMPTY }));
  }

  function scaleTop(max, unit) {
    return PL.el("p", { className: "chart-scale", "aria-hidden": "true",
                        text: "최대 " + number(max) + unit });
  }

  function words(text) {
    return PL.el("p", { className: "chart-words", text: text });
  }

  // About four labels under a row of bars, the newest always labelled.
  function every(n) { return Math.max(1, Math.ceil(n / 4)); }

  // -- the three charts --------------------------------------------------------------
  function renderOutcomes(days) {
    var body = bodies.outcomes;
    var totals = OUTCOMES.map(function () { return 0; });
    var perDay = days.map(function (d) {
      var sum = 0;
      OUTCOMES.forEach(function (o, i) { sum += d[o.key] || 0; totals[i] += d[o.key] || 0; });
      return sum;
    });
    var max = Math.max.apply(null, [0].concat(perDay));
    if (!max) { empty(body); return; }
    var all = perDay.reduce(function (a, b) { return a + b; }, 0);
    var summary = "최근 " + days.length + "일 요청 " + number(all) + "건: " +
      OUTCOMES.map(function (o, i) { return o.label + " " + number(totals[i]) + "건"; }).join(", ");
    var stacks = days.map(function (d) {
      return OUTCOMES.map(function (o) {
        return { value: d[o.key] || 0, className: "o-" + o.key,
                 title: longDay(d.date) + " " + o.label + " " + number(d[o.key]) + "건" };
      });
    });
    var titles = days.map(function (d, i) {
      var parts = OUTCOMES.filter(function (o) { return d[o.key]; }).map(function (o) {
        return o.label + " " + number(d[o.key]);
      });
      return longDay(d.date) + ": " + (parts.length ? parts.join(", ") : "없음") +
        " (합계 " + number(perDay[i]) + "건)";
    });
    var step = every(days.length);
    var labels = days.map(function (d, i) {
      return (days.length - 1 - i) % step === 0 ? shortDay(d.date) : "";
    });
    var settled = totals[0] + totals[1] + totals[2];
    body.textContent = "";
    body.appendChild(words("요청 " + number(all) + "건 중 " + number(settled) +
      "건은 제휴점이 답했어요."));
    body.appendChild(scaleTop(max, "건"));
    body.appendChild(bars(stacks, titles, max, summary));
    body.appendChild(labelRow(labels));
    body.appendChild(PL.el("ul", { className: "legend" }, OUTCOMES.map(function (o, i) {
      return PL.el("li", { "data-outcome": o.key }, [
        PL.el("span", { className: "swatch o-" + o.key, "aria-hidden": "true" }),
        PL.el("span", { text: o.label + " " + number(totals[i]) })
      ]);
    })));
    body.appendChild(dataTable("하루별 처리 결과 (건)",
      ["날짜"].concat(OUTCOMES.map(function (o) { return o.label; })),
      days.map(function (d) {
        return [longDay(d.date)].concat(OUTCOMES.map(function (o) { return number(d[o.key]); }));
      })));
  }

  function renderResponse(response) {
    var body = bodies.response;
    var buckets = response.buckets || [];
    if (!response.count) { empty(body); return; }
    var labels = buckets.map(function (b, i) {
      return bucketLabel(b.upTo, i ? buckets[i - 1].upTo : 0);
    });
    var max = Math.max.apply(null, buckets.map(function (b) { return b.count; }));
    var said = "절반은 " + duration(response.median) + " 안에, 열에 아홉은 " +
      duration(response.p90) + " 안에 답했어요.";
    var titles = buckets.map(function (b, i) { return labels[i] + ": " + number(b.count) + "건"; });
    var stacks = buckets.map(function (b, i) {
      return [{ value: b.count, className: "r-bar", title: titles[i] }];
    });
    body.textContent = "";
    body.appendChild(words(said));
    body.appendChild(labelRow(buckets.map(function (b) { return number(b.count); }),
                              "chart-values"));
    body.appendChild(bars(stacks, titles, max, "제휴점 응답 " + number(response.count) + "건. " + said));
    body.appendChild(labelRow(labels));
    body.appendChild(PL.el("p", { className: "help", text: "제휴점이 직접 답한 " +
      number(response.count) + "건, 문자를 보낸 때부터 답할 때까지예요." }));
    body.appendChild(dataTable("제휴점 응답 시간 (건)", ["응답 시간", "건수"],
      buckets.map(function (b, i) { return [labels[i], number(b.count)]; })));
  }

  function renderRegistrations(hours, total) {
    var body = bodies.registrations;
    var inDay = hours.reduce(function (sum, h) { return sum + h.count; }, 0);
    if (!inDay) {
      empty(body, total ? "최근 " + hours.length + "시간에는 등록이 없어요. 지금까지 " +
        number(total) + "명이 등록했어요." : EMPTY);
      return;
    }
    var max = Math.max.apply(null, hours.map(function (h) { return h.count; }));
    var peak = hours.filter(function (h) { return h.count === max; }).pop();
    var summary = "최근 " + hours.length + "시간 등록 " + number(inDay) + "명. 가장 많았던 때는 " +
      longHour(peak.hour) + " (" + number(max) + "명)이에요.";
    var titles = hours.map(function (h) { return longHour(h.hour) + ": " + number(h.count) + "명"; });
    var stacks = hours.map(function (h, i) {
      return [{ value: h.count, className: "g-bar", title: titles[i] }];
    });
    var labels = hours.map(function (h) {
      var hour = hourOf(h.hour);
      return hour % 6 === 0 ? hour + "시" : "";
    });
    body.textContent = "";
    body.appendChild(words("최근 " + hours.length + "시간 동안 " + number(inDay) +
      "명, 지금까지 모두 " + number(total) + "명이 등록했어요."));
    body.appendChild(scaleTop(max, "명"));
    body.appendChild(bars(stacks, titles, max, summary));
    body.appendChild(labelRow(labels));
    body.appendChild(dataTable("시간대별 등록 (명)", ["시각", "등록"],
      hours.map(function (h) { return [longHour(h.hour), number(h.count)]; })));
  }

  function render(data) {
    var w = data.window || {};
    var line = "최근 " + (w.days || "") + "일(" + monthDay(w.from) + "~" + monthDay(w.to) +
      ") 요청 " + number(w.requests) + "건 기준 · 마지막 갱신 " + PL.formatClock(data.generatedAt);
    if (w.limit && w.requests >= w.limit) {
      line += " · 가장 최근 " + number(w.limit) + "건까지만 셌어요.";
    }
    windowLine.textContent = line;
    renderOutcomes(data.outcomesPerDay || []);
    renderResponse(data.responseSeconds || {});
    renderRegistrations(data.registrationsPerHour || [], data.registrations || 0);
  }
})();
