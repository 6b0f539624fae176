// The operators' dashboard, part two: what a request needs attention for
// (PL.admin.facts, used by the table too), and the detail panel with the
// operators' actions (contract section 5). admin.js owns the page and the data;
// it creates the panel with PL.admin.detail({...}) and hands it requests.
// Every piece of data reaches the page through textContent (PL.el).
(function () {
  "use strict";
  var PL = window.PL;
  var WAITING = ["Created", "SMS Sent"];
  // A partner who has not opened the link this long after the SMS is probably
  // not looking at the phone: worth a call.
  var NOT_OPENED_AFTER_S = 60;
  var NOTE_MAX = 500;      // chalicelib/operators/actions.py NOTE_MAX

  function ms(iso) {
    var t = iso ? Date.parse(iso) : NaN;
    return isNaN(t) ? null : t;
  }

  function eventsOf(request, type) {
    return (request.events || []).filter(function (e) { return e.type === type; });
  }

  // What the table and the panel flag, at server time `now` (ms):
  //  - pastDeadline: still waited for (Created / SMS Sent) and the partner's
  //    deadline has passed. The workflow should have ended the wait: something
  //    is stuck, or the workflow is about to time it out.
  //  - needsFollowUp: ended in Timeout, or on the follow-up list (escalatedAt),
  //    and no operator has closed it yet (closedAt). Stays until "종료".
  //  - overdue = pastDeadline or needsFollowUp.
  //  - notOpened: the SMS went out (first "SMS Sent" event) at least
  //    NOT_OPENED_AFTER_S seconds ago, the request still waits for the partner
  //    (status "SMS Sent"), and no Opened event is recorded (nor openedCount).
  function facts(request, now) {
    var waiting = WAITING.indexOf(request.status) >= 0;
    var closed = Boolean(request.closedAt);
    var deadline = waiting ? ms(request.deadline) : null;
    var secondsLeft = deadline === null ? null : Math.round((deadline - now) / 1000);
    var sent = eventsOf(request, "SMS Sent")[0];
    var sentAt = sent ? ms(sent.at) : null;
    var opens = eventsOf(request, "Opened");
    var openedCount = Math.max(opens.length, request.openedCount || 0);
    var pastDeadline = waiting && secondsLeft !== null && secondsLeft < 0;
    var needsFollowUp = !closed && (request.status === "Timeout" || Boolean(request.escalatedAt));
    var notOpened = request.status === "SMS Sent" && sentAt !== null && openedCount === 0 &&
      now - sentAt >= NOT_OPENED_AFTER_S * 1000;
    return {
      waiting: waiting, closed: closed, secondsLeft: secondsLeft,
      pastDeadline: pastDeadline, needsFollowUp: needsFollowUp,
      overdue: pastDeadline || needsFollowUp, notOpened: notOpened,
      openedCount: openedCount, sentAt: sentAt
    };
  }

  // Short markers (text, so that color is never the only sign).
  function markers(f) {
    var out = [];
    if (f.pastDeadline) { out.push({ kind: "overdue", text: "기한 지남" }); }
    if (f.needsFollowUp) { out.push({ kind: "overdue", text: "후속 조치 필요" }); }
    if (f.notOpened) { out.push({ kind: "not-opened", text: "링크 안 열어 봄" }); }
    return out;
  }

  function timeLeftText(f) {
    if (f.secondsLeft === null) { return "—"; }
    if (f.secondsLeft < 0) { return PL.formatDuration(-f.secondsLeft) + " 지남"; }
    return PL.formatDuration(f.secondsLeft) + " 남음";
  }

  // Which actions fit the request, and why not (mirrors chalicelib/operators/actions.py;
  // the server still decides and answers 409 when the state moved meanwhile).
  function allowed(request) {
    var closed = Boolean(request.closedAt);
    var s = request.status;
    var why = {};
    if (s !== "SMS Sent") {
      why.resend = s === "Created" ? "아직 제휴점에 첫 문자를 보내는 중이에요." :
        "제휴점의 답을 기다리는 요청에만 새 링크를 보낼 수 있어요.";
    }
    if (closed) { why.answer = "이미 종료된 요청이에요."; }
    else if (s === "Responded") { why.answer = "이미 답이 기록된 요청이에요."; }
    else if (s === "Failed") { why.answer = "실패한 요청에는 답을 기록할 수 없어요."; }
    if (WAITING.indexOf(s) >= 0) {
      why.close = "아직 제휴점의 답을 기다리는 중이에요. 답을 기록한 뒤 종료해 주세요.";
    } else if (closed) { why.close = "이미 종료된 요청이에요."; }
    return why;
  }

  // -- the timeline --------------------------------------------------------------
  // One line per event, in Korean; the Opened events (one per open, the first few
  // kept) fold into one line with the count and the first and last time.
  function timelineLines(request, now) {
    var lines = [];
    var opened = null;
    (request.events || []).forEach(function (e) {
      if (e.type === "Opened") {
        if (!opened) {
          opened = { type: "Opened", at: e.at, last: e.at, count: 0 };
          lines.push(opened);
        }
        opened.count += 1;
        opened.last = e.at;
        return;
      }
      lines.push({ type: e.type, at: e.at, e: e });
    });
    return lines.map(function (line) {
      var text = PL.eventLabel(line.type);
      var detail = [];
      if (line.type === "Opened") {
        var total = Math.max(line.count, request.openedCount || 0);
        var parts = [total + "회", "처음 " + PL.formatShort(line.at, now)];
        // Only the first few opens are kept on the timeline: the last one
        // recorded is the last one only when every open was recorded.
        if (total > 1 && total === line.count) {
          parts.push("마지막 " + PL.formatShort(line.last, now));
        }
        text += " (" + parts.join(", ") + ")";
      } else {
        var e = line.e;
        // A refused link (audience "operators"): anyone can forge one naming the
        // request, so it is said as what it is, not as the request failing.
        if (e.type === "Failed" && e.audience === "operators") {
          text = "제휴점 링크 접속을 거절했어요";
        }
        if (e.decision) { detail.push(PL.decisionLabel(e.decision)); }
        if (e.source && PL.sourceLabel(e.source)) { detail.push(PL.sourceLabel(e.source)); }
        if (e.reason && PL.reasonLabel(e.reason)) { detail.push(PL.reasonLabel(e.reason)); }
        if (e.operator) { detail.push("처리: " + e.operator); }
        if (e.note) { detail.push("메모: " + e.note); }
      }
      return { type: line.type, at: line.at, text: text, detail: detail.join(" · ") };
    });
  }

  // -- the panel -------------------------------------------------------------------
  function detail(options) {
    var panel = options.panel;
    var current = null;       // the request shown
    var form = null;          // the open action form: {action, node}
    var result = "";          // the last action's outcome line
    var sending = false;
    var lastRendered = "";

    var revealed = {};        // field -> the full number shown (this request only)

    function field(name, value) {
      if (value === undefined || value === null || value === "") { return null; }
      return PL.el("div", { className: "kv" }, [
        PL.el("dt", { text: name }), PL.el("dd", { text: value })
      ]);
    }

    function deadlineField(text) {
      var node = field("응답 기한", text);
      deadlineNode = node ? node.lastChild : null;
      return node;
    }

    function decisionText(r) {
      if (!r.decision) { return null; }
      var words = PL.decisionChoices(r.intent)[r.decision];
      var label = PL.decisionLabel(r.decision);
      var text = label + (words && words !== label ? " (" + words + ")" : "");
      if (r.operatorAnswer) { text += " · 운영자가 전화로 받음"; }
      return text;
    }

    function customerReplyText(r) {
      if (!r.customerReply) { return null; }
      return r.customerReply.accept ? "제안한 시간으로 하겠다고 했어요" :
        "제안한 시간은 어렵다고 했어요";
    }

    // Drawn again only when what it shows changed: the data (not its age),
    // the markers and the timeline. The time left, which moves every second,
    // changes in place, so a text selection in the panel survives the refresh.
    var deadlineNode = null;

    function shownKey(r, now, f) {
      var data = {};
      Object.keys(r).forEach(function (k) { if (k !== "ageSeconds") { data[k] = r[k]; } });
      return JSON.stringify([data, result, markers(f), timelineLines(r, now)]);
    }

    function deadlineText(r, f) {
      return f.waiting && r.deadline ?
        PL.formatStamp(r.deadline) + " (" + timeLeftText(f) + ")" : null;
    }

    function render(force) {
      if (!current) { return; }
      var now = options.now();
      var r = current;
      var f = facts(r, now);
      var key = shownKey(r, now, f);
      var deadline = deadlineText(r, f);
      if (!force && key === lastRendered && Boolean(deadline) === Boolean(deadlineNode)) {
        if (deadlineNode && deadlineNode.textContent !== deadline) {
          deadlineNode.textContent = deadline;
        }
        return;
      }
      lastRendered = key;
      var focusedId = panel.contains(document.activeElement) ? document.activeElement.id : null;
      var scrolled = panel.scrollTop;
      var status = PL.statusLabel(r.status) + (f.closed ? " · 종료됨" : "");
      panel.textContent = "";
      panel.appendChild(PL.el("div", { className: "detail-head" }, [
        PL.el("h2", { id: "detail-title", tabindex: "-1",
                      text: "요청 " + String(r.requestId || "").slice(0, 8) }),
        PL.el("button", { type: "button", id: "detail-close", className: "tool-button plain",
                          text: "닫기" })
      ]));
      var flags = markers(f);
      if (flags.length) {
        panel.appendChild(PL.el("ul", { className: "detail-flags" }, flags.map(function (m) {
          return PL.el("li", { className: "marker " + m.kind, text: m.text });
        })));
      }
      panel.appendChild(PL.el("dl", { className: "fields" }, [
        field("요청 번호", r.requestId),
        field("상태", status),
        field("유형", PL.intentLabel(r.intent)),
        field("예약번호", r.reservationNumber),
        field("제휴점", r.partnerName),
        field("제휴점 연락처", revealed.partnerPhone ?
          revealed.partnerPhone + " (전체 번호 · 접근 기록에 남음)" : r.partnerPhone),
        field("고객 연락처", revealed.customerPhone ?
          revealed.customerPhone + " (전체 번호 · 접근 기록에 남음)" : r.customerPhone),
        field("접수", PL.formatStamp(r.createdAt)),
        deadlineField(deadline),
        field("제휴점 답변", decisionText(r)),
        field("제안한 시간", r.alternativeTime ? PL.formatDateTime(r.alternativeTime) : null),
        field("답변 시각", r.respondedAt ? PL.formatStamp(r.respondedAt) : null),
        field("고객의 답", customerReplyText(r)),
        field("후속 조치 등록", r.escalatedAt ? PL.formatStamp(r.escalatedAt) : null),
        field("종료", r.closedAt ? PL.formatStamp(r.closedAt) +
          (r.closedBy ? " · " + r.closedBy : "") : null),
        field("종료 메모", r.closeNote),
        field("마지막 변경", PL.formatStamp(r.updatedAt))
      ]));
      panel.appendChild(PL.el("h3", { text: "문의 내용" }));
      // Isolated (bdi, dir=auto): the customer's words cannot reorder the page.
      panel.appendChild(PL.el("p", { className: "customer-text" },
                              [PL.el("bdi", { dir: "auto", text: r.text || "" })]));
      panel.appendChild(actions(r));
      panel.appendChild(PL.el("h3", { text: "고객 안내" }));
      if (r.notification && r.notification.message) {
        var source = PL.sourceLabel(r.notification.source);
        panel.appendChild(PL.el("p", { className: "notification-text" }, [
          PL.el("span", { text: r.notification.message }),
          source ? PL.el("span", { className: "source-tag", text: source }) : null
        ]));
      } else {
        panel.appendChild(PL.el("p", { className: "help", text: "아직 안내하지 않았어요." }));
      }
      panel.appendChild(PL.el("h3", { text: "처리 이력" }));
      panel.appendChild(PL.el("ol", { className: "timeline", "aria-label": "처리 이력" },
        timelineLines(r, now).map(function (line) {
          return PL.el("li", { "data-event": line.type }, [
            PL.el("time", { datetime: line.at, text: PL.formatShort(line.at, now) }),
            PL.el("span", { className: "event-type", text: line.text }),
            line.detail ? PL.el("span", { className: "event-detail", text: line.detail }) : null
          ]);
        })));
      panel.scrollTop = scrolled;
      if (focusedId && document.getElementById(focusedId)) {
        document.getElementById(focusedId).focus({ preventScroll: true });
      }
    }

    // -- actions ---------------------------------------------------------------------
    var ACTIONS = [
      { name: "resend", id: "action-resend", text: "새 링크 보내기" },
      { name: "answer", id: "action-answer", text: "전화로 받은 답 기록" },
      { name: "close", id: "action-close", text: "요청 종료" },
      // The full number, with a reason, recorded (contract section 6).
      { name: "reveal-customerPhone", id: "action-reveal-customer", text: "고객 전체 번호 보기" },
      { name: "reveal-partnerPhone", id: "action-reveal-partner", text: "제휴점 전체 번호 보기" }
    ];
    var REVEAL = "reveal-";

    // What the signed-in operator's role does not allow, and why (admin-auth.js).
    function whyNot(r) {
      var why = allowed(r);
      var mayAct = !PL.auth || PL.auth.can("operator");
      ACTIONS.forEach(function (a) {
        if (!mayAct) { why[a.name] = PL.auth.needs("operator"); }
        else if (a.name.indexOf(REVEAL) === 0 && (revealed[a.name.slice(REVEAL.length)] ||
                 !r[a.name.slice(REVEAL.length)])) {
          why[a.name] = revealed[a.name.slice(REVEAL.length)] ? "이미 보고 있어요." :
            "번호가 없어요.";
        }
      });
      return why;
    }

    function actions(r) {
      var why = whyNot(r);
      var box = PL.el("section", { className: "actions", "aria-labelledby": "actions-title" }, [
        PL.el("h3", { id: "actions-title", text: "조치" })
      ]);
      var buttons = PL.el("div", { className: "action-buttons" });
      var reasons = PL.el("ul", { className: "action-reasons" });
      ACTIONS.forEach(function (a) {
        var props = { type: "button", id: a.id, className: "tool-button", "data-action": a.name,
                      text: a.text };
        if (why[a.name]) {
          props.disabled = "disabled";
          props["aria-describedby"] = "why-" + a.name;
          reasons.appendChild(PL.el("li", { id: "why-" + a.name,
                                            text: a.text + ": " + why[a.name] }));
        }
        if (form && form.action === a.name) { props["aria-expanded"] = "true"; }
        buttons.appendChild(PL.el("button", props));
      });
      box.appendChild(buttons);
      if (reasons.childNodes.length) { box.appendChild(reasons); }
      if (form) { box.appendChild(form.node); }
      box.appendChild(PL.el("p", { id: "action-result", className: "action-result",
                                   role: "status", text: result }));
      return box;
    }

    function input(tag, props) {
      return PL.el(tag, props);
    }

    function labelled(id, text, control, help) {
      return PL.el("div", { className: "field" }, [
        PL.el("label", { for: id, text: text }), control,
        help ? PL.el("p", { className: "help", id: id + "-help", text: help }) : null,
        PL.el("p", { className: "error field-error", id: id + "-error", role: "alert" })
      ]);
    }


    function noteField(help) {
      var control = input("textarea", { id: "action-note", rows: "2", maxlength: NOTE_MAX,
                                        "aria-describedby": "action-note-help action-note-error" });
      return labelled("action-note", "메모", control, help);
    }

    function buildForm(action, r) {
      var node = PL.el("form", { id: "action-form", className: "action-form",
                                 "data-action": action, novalidate: "novalidate" });
      var submitText;
      if (action.indexOf(REVEAL) === 0) {
        var reason = input("input", { id: "reveal-reason", type: "text", maxlength: "200",
                                      "aria-describedby": "reveal-reason-help reveal-reason-error" });
        node.appendChild(labelled("reveal-reason", "전체 번호를 보는 이유", reason,
                                  "이유와 함께 누가 언제 봤는지 접근 기록에 남아요."));
        submitText = "전체 번호 보기";
      } else if (action === "resend") {
        node.appendChild(PL.el("p", { className: "confirm-text", text:
          "제휴점 번호로 새 링크를 문자로 보낼까요? 지금까지 보낸 링크는 더 이상 쓸 수 없어요." }));
        submitText = "네, 새 링크를 보낼게요";
      } else if (action === "answer") {
        var choices = PL.decisionChoices(r.intent);
        var select = input("select", { id: "answer-decision",
                                       "aria-describedby": "answer-decision-error" });
        select.appendChild(PL.el("option", { value: "", text: "골라 주세요" }));
        ["accept", "reject", "propose"].forEach(function (d) {
          if (!choices[d]) { return; }
          var label = PL.decisionLabel(d);
          select.appendChild(PL.el("option", { value: d, text: choices[d] === label ? label :
                                               label + " · " + choices[d] }));
        });
        var time = input("input", { id: "answer-time", type: "datetime-local",
                                    "aria-describedby": "answer-time-help answer-time-error" });
        var timeField = labelled("answer-time", "제안한 시간", time,
                                 "한국 시간으로 골라 주세요.");
        timeField.hidden = true;
        select.addEventListener("change", function () {
          timeField.hidden = select.value !== "propose";
        });
        node.appendChild(labelled("answer-decision", "제휴점의 답", select));
        node.appendChild(timeField);
        node.appendChild(noteField("누구와 통화해 무엇을 들었는지 적어 주세요."));
        submitText = "답 기록하기";
      } else {
        node.appendChild(noteField("어떻게 마무리했는지 적어 주세요."));
        submitText = "요청 종료하기";
      }
      node.appendChild(PL.el("p", { id: "action-error", className: "error", role: "alert" }));
      node.appendChild(PL.el("div", { className: "form-buttons" }, [
        PL.el("button", { type: "submit", id: "action-submit", className: "tool-button primary",
                          text: submitText }),
        PL.el("button", { type: "button", id: "action-cancel", className: "tool-button plain",
                          text: "취소" })
      ]));
      node.addEventListener("submit", function (event) {
        event.preventDefault();
        submit(action, node);
      });
      return node;
    }

    function fieldError(node, id, message) {
      var target = node.querySelector("#" + id + "-error");
      if (target) { target.textContent = message; }
      if (message) {
        var control = node.querySelector("#" + id);
        if (control) { control.setAttribute("aria-invalid", "true"); control.focus(); }
      }
      return !message;
    }

    function value(node, id) {
      var control = node.querySelector("#" + id);
      return control ? control.value.trim() : "";
    }

    // Checked here so that the server's 400 (which names its fields) is not
    // what the operator reads.
    function body(action, node) {
      ["reveal-reason", "answer-decision", "answer-time", "action-note"].forEach(function (id) {
        fieldError(node, id, "");
        var control = node.querySelector("#" + id);
        if (control) { control.removeAttribute("aria-invalid"); }
      });
      if (action.indexOf(REVEAL) === 0) {
        var why = value(node, "reveal-reason");
        if (why.length < 2) {
          fieldError(node, "reveal-reason", "전체 번호를 보는 이유를 2자 이상 적어 주세요.");
          return null;
        }
        return { field: action.slice(REVEAL.length), reason: why };
      }
      // Who acts is the signed-in operator (the server takes it from the token).
      var out = { action: action };
      if (action === "answer") {
        out.decision = value(node, "answer-decision");
        if (!out.decision) {
          fieldError(node, "answer-decision", "제휴점의 답을 골라 주세요.");
          return null;
        }
        if (out.decision === "propose") {
          out.alternativeTime = value(node, "answer-time");
          if (!out.alternativeTime) {
            fieldError(node, "answer-time", "제안한 시간을 골라 주세요.");
            return null;
          }
        }
      }
      if (action !== "resend") {
        out.note = value(node, "action-note");
        if (!out.note) {
          fieldError(node, "action-note", "메모를 적어 주세요.");
          return null;
        }
      }
      return out;
    }

    var DONE = { resend: "새 링크를 보냈어요.", answer: "답을 기록했어요. 고객에게 안내해요.",
                 close: "요청을 종료했어요." };

    function submit(action, node) {
      if (sending || !current) { return; }
      var payload = body(action, node);
      if (!payload) { return; }
      var id = current.requestId;
      var errorLine = node.querySelector("#action-error");
      var button = node.querySelector("#action-submit");
      sending = true;
      button.disabled = true;
      errorLine.textContent = "";
      var reveal = action.indexOf(REVEAL) === 0;
      PL.api("/api/admin/requests/" + encodeURIComponent(id) + (reveal ? "/reveal" : "/actions"),
             { method: "POST", body: payload, token: options.token() }).then(function (res) {
        sending = false;
        button.disabled = false;
        if (res.status === 401) { options.onRefused(); return; }
        if (reveal && res.status === 200 && res.data && res.data.phone) {
          revealed[res.data.field] = res.data.phone;
          form = null;
          result = "전체 번호를 보여 드려요. 접근 기록에 남았어요.";
          render(true);
          options.onBusyChange();
          return;
        }
        if (!reveal && res.status === 200 && res.data && res.data.requestId) {
          form = null;
          result = DONE[action];
          if (current && current.requestId === res.data.requestId) { current = res.data; }
          render(true);
          options.onChanged(res.data);
          options.onBusyChange();
          var title = document.getElementById("detail-title");
          if (title) { title.focus(); }
          return;
        }
        // 409 (the state moved on), 400, 404, 503: the server's Korean words, in
        // place; what was typed stays. Field names in parentheses are dropped.
        var message = (res.data && res.data.message) || PL.NETWORK_ERROR;
        errorLine.textContent = message.replace(/\s*\([A-Za-z]+\)/g, "");
        errorLine.setAttribute("data-status", String(res.status));
      });
    }

    function openForm(action) {
      if (!current || whyNot(current)[action]) { return; }
      form = { action: action, node: buildForm(action, current) };
      result = "";
      render(true);
      options.onBusyChange();
      var first = form.node.querySelector("input, select, textarea, button");
      if (action === "resend") { first = form.node.querySelector("#action-submit"); }
      if (first) { first.focus(); }
    }

    function cancelForm() {
      var action = form && form.action;
      form = null;
      render(true);
      options.onBusyChange();
      var back = action && document.getElementById("action-" + action);
      if (back && !back.disabled) { back.focus(); }
    }

    panel.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("button") : null;
      if (!target || !panel.contains(target)) { return; }
      if (target.id === "detail-close") { close(); }
      else if (target.id === "action-cancel") { cancelForm(); }
      else if (target.getAttribute("data-action") && target.type === "button") {
        openForm(target.getAttribute("data-action"));
      }
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        if (form) { cancelForm(); } else { close(); }
      }
    });

    function open(request) {
      var same = current && current.requestId === request.requestId;
      if (!same) { form = null; result = ""; revealed = {}; panel.scrollTop = 0; }
      current = request;
      panel.hidden = false;
      options.onBusyChange();
      render(true);
      var title = document.getElementById("detail-title");
      if (title) { title.focus(); }
    }

    // A newer copy of the shown request (from a refresh): shown unless an
    // action form is open (the operator's typing stays as it is).
    function update(request) {
      if (!current || !request || request.requestId !== current.requestId || form) { return; }
      current = request;
      render(false);
    }

    function close() {
      var id = current && current.requestId;
      current = null;
      form = null;
      result = "";
      revealed = {};
      panel.hidden = true;
      panel.textContent = "";
      options.onBusyChange();
      options.onClosed(id);
    }

    return {
      open: open, update: update, close: close,
      tick: function () { if (!form) { render(false); } },
      busy: function () { return Boolean(form); },
      currentId: function () { return current ? current.requestId : null; }
    };
  }

  PL.admin = PL.admin || {};
  PL.admin.facts = facts;
  PL.admin.markers = markers;
  PL.admin.timeLeftText = timeLeftText;
  PL.admin.allowed = allowed;
  PL.admin.detail = detail;
})();
