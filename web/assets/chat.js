// The customer's chat: send the question, then follow the request until the
// notification arrives.
(function () {
  "use strict";
  var PL = window.PL;
  var POLL_MS = 2000;
  var POLL_LIMIT_MS = 20 * 60 * 1000; // the partner's wait plus margin
  var PHONE_KEY = "partnerline.customerPhone";

  var log = document.getElementById("log");
  var form = document.getElementById("chat-form");
  var phoneInput = document.getElementById("phone");
  var messageInput = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var formError = document.getElementById("form-error");
  var progress = document.getElementById("progress");
  var statusLine = document.getElementById("status-line");

  var sessionId = null;   // set by a 422 asking for the reservation number
  var tracking = null;    // {requestId, timer, startedAt, notified, lastStatus}

  try { phoneInput.value = sessionStorage.getItem(PHONE_KEY) || ""; } catch (e) { /* */ }

  function say(who, text, extraClass) {
    var item = PL.el("li", { className: "bubble " + who + (extraClass ? " " + extraClass : "") });
    if (who === "me") {
      item.appendChild(PL.el("span", { className: "visually-hidden", text: "나: " }));
    }
    item.appendChild(document.createTextNode(text));
    log.appendChild(item);
    item.scrollIntoView({ block: "end", behavior: "smooth" });
    return item;
  }

  function setBusy(busy) {
    sendButton.disabled = busy;
    sendButton.textContent = busy ? "보내는 중…" : "보내기";
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    formError.textContent = "";
    var phone = phoneInput.value.trim();
    var text = messageInput.value.trim();
    if (!phone) {
      formError.textContent = "휴대폰 번호를 입력해 주세요.";
      phoneInput.focus();
      return;
    }
    if (!text) {
      formError.textContent = "문의 내용을 입력해 주세요.";
      messageInput.focus();
      return;
    }
    try { sessionStorage.setItem(PHONE_KEY, phone); } catch (e) { /* private mode */ }
    say("me", text);
    messageInput.value = "";
    send(text, phone);
  });

  // Enter sends, Shift+Enter makes a new line (the usual chat keys).
  messageInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  function send(text, phone) {
    var body = { text: text, customerPhone: phone };
    if (sessionId) { body.sessionId = sessionId; }
    setBusy(true);
    PL.api("/api/requests", { method: "POST", body: body }).then(function (res) {
      setBusy(false);
      messageInput.focus();
      var data = res.data || {};
      if (res.status === 201) {
        sessionId = null;
        say("bot", data.message || "문의를 접수했어요. 제휴점에 확인하고 있어요.");
        track(data.requestId);
        return;
      }
      if (res.status === 0) {
        say("bot", PL.NETWORK_ERROR, "warning");
        return;
      }
      if (data.code === "RESERVATION_NUMBER_REQUIRED") {
        // A question, not a failure: the next message may be just the number.
        if (data.sessionId) { sessionId = data.sessionId; }
        say("bot", data.message || "예약번호를 알려 주세요.", "question");
        return;
      }
      sessionId = null;
      say("bot", data.message || "요청을 처리하지 못했어요. 잠시 후 다시 시도해 주세요.",
          "warning");
    });
  }

  // -- progress ---------------------------------------------------------------
  function track(requestId) {
    if (!requestId) { return; }
    if (tracking && tracking.timer) { clearTimeout(tracking.timer); }
    tracking = { requestId: requestId, timer: null, startedAt: Date.now(),
                 notified: false, lastStatus: null };
    progress.hidden = false;
    renderSteps([], "Created");
    poll(tracking);
  }

  function poll(current) {
    if (current !== tracking) { return; }
    PL.api("/api/requests/" + encodeURIComponent(current.requestId)).then(function (res) {
      if (current !== tracking) { return; }
      if (res.status === 200 && res.data) {
        update(current, res.data);
      }
      var finished = current.notified ||
        (res.data && res.data.status === "Failed") || res.status === 404;
      if (!finished && Date.now() - current.startedAt < POLL_LIMIT_MS) {
        current.timer = setTimeout(function () { poll(current); }, POLL_MS);
      }
    });
  }

  function update(current, view) {
    var events = view.events || [];
    renderSteps(events, view.status);
    if (view.status !== current.lastStatus) {
      current.lastStatus = view.status;
      statusLine.textContent = "현재 상태: " + PL.statusLabel(view.status);
      statusLine.setAttribute("data-status", view.status || "");
    }
    if (view.status === "Failed" && !current.notified) {
      current.notified = true;
      say("bot", "요청을 처리하지 못했어요. 잠시 후 다시 문의해 주세요.", "warning");
      return;
    }
    if (view.notification && view.notification.message && !current.notified) {
      current.notified = true;
      say("bot", view.notification.message, "notification");
    }
  }

  function renderSteps(events, status) {
    var seen = {};
    events.forEach(function (e) { seen[e.type] = e.at; });
    seen.Created = seen.Created || true;
    // From the status, not from which events exist: a click whose answer never
    // reached the workflow leaves a Responded event on a request that ended Timeout.
    var timedOut = status === "Timeout";
    var answered = status === "Responded";
    var steps = [
      { key: "Created", done: Boolean(seen.Created), at: seen.Created },
      { key: "SMS Sent", done: Boolean(seen["SMS Sent"]) || answered || timedOut,
        at: seen["SMS Sent"] },
      { key: "Answer", done: answered || timedOut,
        at: answered ? seen.Responded : seen.Timeout,
        label: timedOut ? "응답 시간 초과" : "제휴점 응답" },
      { key: "Notified", done: Boolean(seen.Notified), at: seen.Notified }
    ];
    var currentMarked = false;
    steps.forEach(function (step) {
      var item = progress.querySelector('[data-step="' + step.key + '"]');
      if (!item) { return; }
      if (step.label) { item.textContent = step.label; }
      item.classList.toggle("done", step.done);
      item.classList.toggle("timeout", step.key === "Answer" && timedOut && !answered);
      if (!step.done && !currentMarked) {
        item.setAttribute("aria-current", "step");
        currentMarked = true;
      } else {
        item.removeAttribute("aria-current");
      }
      if (step.done && typeof step.at === "string") {
        item.setAttribute("title", PL.formatClock(step.at));
      }
    });
  }
})();
