// The customer's chat: send the question, then follow the request until the
// notification arrives -- across reloads, lost connections and app switches.
//
// Kept in localStorage (STORE_KEY): the conversation, the 422's sessionId, the
// typed draft and the request in flight. localStorage rather than sessionStorage
// because a phone may throw the tab away while the customer is in another app
// during the partner's 5-minute wait, and a customer who reopens the page from
// history must still get the answer; it also lets a second tab see the request
// in flight, so two tabs cannot start two partner requests. It expires
// KEEP_MS after the last activity (a shared computer does not keep a
// stranger's conversation for days), and "새 대화" clears it at once.
// The phone number stays in sessionStorage only, as before.
// Each request's customer token (the 201's customerToken) is kept with the
// conversation (state.tokens) and sent as X-Customer-Token: without it the
// server does not show or answer the request. Each message goes with its own
// Idempotency-Key, so a message sent twice opens one request.
(function () {
  "use strict";
  var PL = window.PL;
  // The wait is polled every POLL_MS while the request moves and more slowly
  // while nothing happens: a tenth of the quiet time so far, at most
  // POLL_MAX_MS (pollDelay). Over a 5-minute wait that is about 50 requests
  // instead of 150, each answer shown at most 10 s late (`make bench`, Cost).
  var POLL_MS = 2000;
  var POLL_MAX_MS = 10000;
  var POLL_QUIET_SHARE = 10;
  var POLL_LIMIT_MS = 20 * 60 * 1000; // the partner's wait plus margin
  // After a timeout the operators may still answer (by phone with the
  // 제휴점): the chat keeps looking, slower, while it is shown. The server
  // counts the chat as open for three looks (chalicelib/chat/late_answer.py)
  // and texts the customer otherwise.
  var LATE_POLL_MS = 10000;
  var KEEP_MS = 6 * 60 * 60 * 1000;
  var MAX_CHARS = 1000;
  var COUNTER_FROM = 800;             // the counter appears near the limit
  var PHONE_KEY = "partnerline.customerPhone";
  var STORE_KEY = "partnerline.chat.v1";

  // -- words --------------------------------------------------------------------
  // Glossary for every string below (follow it in new ones):
  //   - 해요체 throughout ("알려 드릴게요", "확인해 주세요"); never 합니다체.
  //   - 제휴점: the business that answers the request (never "파트너").
  //   - 문의: what the customer writes; 요청: what goes to the 제휴점 (one SMS).
  //   - 예약번호, 휴대폰 번호: as the customer knows them. Never show an API field
  //     name (customerPhone, sessionId, requestId) or any id to a person.
  //   - 운영팀: the people customers can reach when the 제휴점 does not answer.
  //   - Spacing: "알려 드려요", "도와 드려요" (보조 용언 띄어 씀).
  // Server messages are shown only where no copy below fits a code (the API's
  // own texts keep the contract's wording, some of it 합니다체).
  var COPY = {
    accepted: "제휴점에 확인을 요청했어요. 답이 오면 이 화면에서 알려 드릴게요.",
    askNumber: "예약번호를 알려 주세요. 예약번호만 적어 보내도 돼요.",
    askDate: "원하는 날짜나 바꿀 내용을 알려 주세요. 예: 12월 24일, 다음 주 토요일",
    // The examples are the catalogue's (chalicelib/nlu/catalogue.py), one per kind.
    notUnderstood: "어떤 도움이 필요한지 알아듣지 못했어요. 예: " +
      PL.intentExamples().map(function (e) { return "\"" + e + "\""; }).join(", "),
    smallTalk: {
      greeting: "안녕하세요! 무엇을 도와 드릴까요? " + PL.intentOffer() + " 도와 드려요. 예: " +
        PL.intentExamples().slice(0, 2).map(function (e) { return "\"" + e + "\""; }).join(", "),
      thanks: "천만에요. 더 필요한 게 있으면 언제든 적어 주세요."
    },
    checking: "문의가 접수됐는지 확인하고 있어요…",
    acceptedAfterCheck: "연결이 잠시 불안정했지만 문의는 접수됐어요. 제휴점의 답이 오면 이 화면에서 " +
      "알려 드릴게요.",
    notReceived: "문의가 접수되지 않았어요. 적은 내용은 입력창에 그대로 있어요. 잠시 후 다시 보내 주세요.",
    unknownOutcome: "문의가 접수됐는지 확인하지 못했어요. 다시 보내면 같은 문의가 두 번 접수될 수 " +
      "있으니, 급하면 운영팀에 문의해 주세요.",
    notFound: "그 예약번호로 예약을 찾지 못했어요. 예약번호를 확인해 다시 보내 주세요.",
    mismatch: "예약할 때 남긴 휴대폰 번호와 달라요. 번호를 확인해 다시 보내 주세요.",
    badPhone: "휴대폰 번호를 확인해 주세요. 예: 010-1234-5678",
    tooLong: "문의 내용은 1,000자 이내로 적어 주세요.",
    badRequest: "보낸 내용을 처리하지 못했어요. 내용을 확인해 다시 보내 주세요.",
    unavailable: "지금은 문의를 처리할 수 없어요. 잠시 후 다시 보내 주세요.",
    workflowDown: "제휴점에 확인을 요청하지 못했어요. 잠시 후 다시 보내 주세요.",
    failedGeneric: "문의를 처리하지 못했어요. 잠시 후 다시 보내 주세요.",
    keptText: "적은 내용은 입력창에 그대로 있어요.",
    network: "연결이 원활하지 않아 보내지 못했어요. 적은 내용은 입력창에 그대로 있어요. " +
      "잠시 후 다시 보내 주세요.",
    needPhone: "휴대폰 번호를 입력해 주세요.",
    needText: "문의 내용을 입력해 주세요.",
    inProgress: "이 예약으로 보낸 문의를 제휴점이 확인하고 있어요. 답이 오면 알려 드릴게요. " +
      "새 문의는 그 뒤에 보내 주세요. 적은 내용은 입력창에 그대로 있어요.",
    followingOpen: "이 예약으로 보낸 문의를 제휴점이 확인하고 있어요. 그 답을 이 화면에서 알려 " +
      "드릴게요. 적은 내용은 입력창에 그대로 있어요.",
    oneAtATime: "지금은 제휴점의 답을 기다리고 있어요. 답이 오면 이 화면에서 알려 드릴게요. " +
      "새 문의는 답을 받은 뒤에 보내 주세요. 적은 내용은 입력창에 그대로 있어요.",
    waitingLine: "제휴점의 답을 기다리고 있어요.",
    reconnecting: "연결이 끊겼어요. 다시 연결되면 이어서 확인할게요.",
    resumed: "이전 대화를 이어서 보여 드려요.",
    requestFailed: "요청을 처리하지 못했어요. 다시 요청하거나 운영팀에 연락해 주세요.",
    gaveUp: "답을 확인하지 못했어요. 다시 요청하거나 운영팀에 연락해 주세요.",
    nextDone: "요청하신 대로 진행돼요. 더 도와 드릴 일이 있으면 새 문의를 보내 주세요.",
    nextRejected: "제휴점이 이번 요청을 받기 어렵다고 해요. 다른 내용이 필요하면 새로 " +
      "문의하거나 운영팀에 연락해 주세요.",
    nextTimeout: "운영팀이 제휴점에 직접 확인하고 있어요. 답이 오면 이 화면에서 알려 드리고, " +
      "화면을 닫았으면 문자로 알려 드릴게요. 급하면 운영팀에 연락해 주세요.",
    lateAnswer: "늦게 도착한 답이에요.",
    nextProposed: "이 시간이 괜찮으면 운영팀에 연락해 주세요. 다른 시간을 원하면 원하는 " +
      "시간을 적어 새로 요청해 주세요.",
    // The notification above already asks whether the time suits (the
    // catalogue's proposal sentence): this line says how, without repeating it.
    nextProposedReply: "아래 버튼으로 바로 답할 수 있어요. 다른 시간을 원하면 원하는 시간을 " +
      "적어 새로 요청해 주세요.",
    proposedTitle: "제휴점이 제안한 시간",
    replyAccept: "이 시간으로 할게요",
    replyDecline: "이 시간은 어려워요",
    replySending: "보내는 중…",
    repliedAccept: "이 시간으로 하겠다고 제휴점에 전했어요.",
    repliedDecline: "이 시간은 어렵다고 제휴점에 전했어요. 다른 시간을 원하면 원하는 시간을 " +
      "적어 새로 요청해 주세요.",
    alreadyAccept: "이미 이 시간으로 하겠다고 답하셨어요. 제휴점에도 전해졌어요.",
    alreadyDecline: "이미 이 시간은 어렵다고 답하셨어요. 제휴점에도 전해졌어요.",
    alreadyReplied: "이미 답하신 요청이에요. 보내신 답은 제휴점에 전해졌어요.",
    replyClosed: "이 요청에는 지금 답할 수 없어요. 필요하면 운영팀에 연락해 주세요.",
    replyNetwork: "연결이 원활하지 않아 답을 보내지 못했어요. 잠시 후 다시 눌러 주세요.",
    replyFailed: "답을 보내지 못했어요. 잠시 후 다시 눌러 주세요.",
    retry: "같은 내용으로 다시 요청하기",
    compose: "원하는 시간 적어 보내기",
    retrying: "같은 내용으로 다시 요청할게요.",
    newChat: "새 대화",
    contact: "운영팀에 연락하기",
    sendFailedMark: "보내지 못했어요"
  };

  var log = document.getElementById("log");
  var form = document.getElementById("chat-form");
  var phoneInput = document.getElementById("phone");
  var messageInput = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var formError = document.getElementById("form-error");
  var formNote = document.getElementById("form-note");
  var counter = document.getElementById("char-count");
  var progress = document.getElementById("progress");
  var statusLine = document.getElementById("status-line");
  var elapsedLine = document.getElementById("elapsed");
  var newChatButton = document.getElementById("new-chat");
  var operatorLine = document.getElementById("operator-line");
  // The operators' phone comes from the page's config (config.js): a number
  // is a business fact, not something to guess in code.
  var config = window.PARTNERLINE_CONFIG || {};
  var operatorPhone = String(config.operatorPhone || "").trim();
  var operatorHours = String(config.operatorHours || "").trim();

  var state = load();
  var sending = false;   // a POST in the air (in this tab)
  var replying = false;  // a reply to a proposed time in the air (in this tab)
  var pollTimer = null;
  var lateTimer = null;
  var clockTimer = null;
  var chain = 0;         // the current polling chain; older ones stop

  // -- storage ------------------------------------------------------------------
  function emptyState() {
    return { v: 1, savedAt: Date.now(), messages: [], sessionId: null, draft: "",
             request: null, tokens: {} };
  }

  function load() {
    var raw = null;
    try { raw = localStorage.getItem(STORE_KEY); } catch (e) { raw = null; }
    var saved = null;
    try { saved = raw ? JSON.parse(raw) : null; } catch (e) { saved = null; }
    if (!saved || saved.v !== 1 || !Array.isArray(saved.messages) ||
        Date.now() - (saved.savedAt || 0) > KEEP_MS) {
      return emptyState();
    }
    if (!saved.tokens || typeof saved.tokens !== "object") { saved.tokens = {}; }
    return saved;
  }

  function save() {
    state.savedAt = Date.now();
    try { localStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* full/private */ }
  }

  // The customer token of a request of this conversation, as a header.
  function own(requestId) {
    var token = (state.tokens || {})[requestId];
    return token ? { "X-Customer-Token": token } : {};
  }

  function keepToken(requestId, token) {
    if (!requestId || !token) { return; }
    state.tokens = state.tokens || {};
    state.tokens[requestId] = token;
    save();
  }

  // 128 random bits for one message's Idempotency-Key.
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function waiting() {
    return Boolean(state.request && !state.request.finished);
  }

  // -- the log ------------------------------------------------------------------
  function bubble(message) {
    var classes = "bubble " + message.who + (message.kind ? " " + message.kind : "");
    var item = PL.el("li", { className: classes });
    if (message.who === "me") {
      item.appendChild(PL.el("span", { className: "visually-hidden", text: "나: " }));
    }
    item.appendChild(document.createTextNode(message.text));
    if (message.unsent) {
      item.appendChild(PL.el("span", { className: "unsent-mark", text: COPY.sendFailedMark }));
    }
    if (message.proposedAt) {
      item.appendChild(PL.el("p", { className: "proposed-time" }, [
        PL.el("span", { className: "proposed-label", text: COPY.proposedTitle }),
        PL.el("strong", { text: PL.formatDateTime(message.proposedAt) })
      ]));
    }
    if (message.next) {
      item.appendChild(nextStep(message));
    }
    return item;
  }

  // What the customer can do after an outcome: always something to tap.
  function nextStep(message) {
    var box = PL.el("div", { className: "next-step", "data-outcome": message.outcome || "" });
    // Once the proposed time is answered, the answer replaces the question.
    if (message.replyText) {
      box.appendChild(PL.el("p", { className: "reply-outcome", "data-reply": message.replied || "",
                                   text: message.replyText }));
    } else {
      box.appendChild(PL.el("p", { text: message.next }));
    }
    if (message.canReply && !message.replied) {
      box.appendChild(replyButtons(message));
    }
    var actions = PL.el("div", { className: "actions" });
    if (message.compose && message.replied !== "accept") {
      var compose = PL.el("button", { type: "button", className: "secondary compose",
                                      text: COPY.compose });
      compose.addEventListener("click", function () { composeAbout(message.requestId); });
      actions.appendChild(compose);
    }
    if (message.retry) {
      var retry = PL.el("button", { type: "button", className: "secondary retry",
                                    text: COPY.retry });
      retry.addEventListener("click", function () { retryRequest(message.requestId); });
      actions.appendChild(retry);
    }
    if (message.contact && operatorPhone) {
      actions.appendChild(PL.el("a", { className: "contact",
                                       href: "tel:" + operatorPhone.replace(/[^0-9+]/g, ""),
                                       text: COPY.contact + " " + operatorPhone }));
    }
    if (actions.childNodes.length) { box.appendChild(actions); }
    return box;
  }

  // The customer's answer to a proposed time, in one tap (contract §5). The
  // outcome is kept on the message itself, so a reload shows the reply and no
  // buttons; an error keeps the buttons and says why.
  function replyButtons(message) {
    var group = PL.el("div", { className: "reply", role: "group", "aria-label": COPY.proposedTitle });
    var error = PL.el("p", { className: "reply-error", role: "alert" });
    var yes = PL.el("button", { type: "button", className: "primary reply-accept",
                                text: COPY.replyAccept });
    var no = PL.el("button", { type: "button", className: "secondary reply-decline",
                               text: COPY.replyDecline });
    function tap(accept, button) {
      if (replying) { return; }
      replying = true;
      yes.disabled = true;
      no.disabled = true;
      group.setAttribute("aria-busy", "true");
      button.textContent = COPY.replySending;
      error.textContent = "";
      sendReply(message.requestId, accept).then(function (outcome) {
        replying = false;
        if (outcome.failed) {
          yes.disabled = false;
          no.disabled = false;
          group.setAttribute("aria-busy", "false");
          yes.textContent = COPY.replyAccept;
          no.textContent = COPY.replyDecline;
          error.textContent = outcome.text;
          return;
        }
        keepReply(message.requestId, outcome.replied, outcome.text);
      });
    }
    yes.addEventListener("click", function () { tap(true, yes); });
    no.addEventListener("click", function () { tap(false, no); });
    group.appendChild(PL.el("div", { className: "actions" }, [yes, no]));
    group.appendChild(error);
    return group;
  }

  // -> {replied, text} or {failed, text}; never rejects.
  function sendReply(requestId, accept) {
    var path = "/api/requests/" + encodeURIComponent(requestId);
    return PL.api(path + "/reply", { method: "POST", body: { accept: accept },
                                     headers: own(requestId) })
      .then(function (res) {
        var data = res.data || {};
        if (res.status === 200) {
          return { replied: accept ? "accept" : "decline",
                   text: accept ? COPY.repliedAccept : COPY.repliedDecline };
        }
        if (res.status === 409 && data.code === "NOT_PROPOSED") {
          return { replied: "closed", text: COPY.replyClosed };
        }
        if (res.status === 409) {
          // Already answered (another tab, another device): say which, from
          // the request's own events when they can be read.
          return PL.api(path, { headers: own(requestId) }).then(function (view) {
            var types = ((view.data || {}).events || []).map(function (e) { return e.type; });
            if (types.indexOf("CustomerAccepted") !== -1) {
              return { replied: "accept", text: COPY.alreadyAccept };
            }
            if (types.indexOf("CustomerDeclined") !== -1) {
              return { replied: "decline", text: COPY.alreadyDecline };
            }
            return { replied: "already", text: COPY.alreadyReplied };
          });
        }
        return { failed: true, text: res.status === 0 ? COPY.replyNetwork : COPY.replyFailed };
      });
  }

  function keepReply(requestId, replied, text) {
    var stored = load();  // another tab may have changed the conversation
    if (stored.messages.length) { state = stored; }
    state.messages.forEach(function (m) {
      if (m.canReply && m.requestId === requestId) {
        m.replied = replied;
        m.replyText = text;
      }
    });
    save();
    renderLog();
  }

  function say(who, text, extra) {
    var message = { who: who, text: text, at: Date.now() };
    Object.keys(extra || {}).forEach(function (key) { message[key] = extra[key]; });
    state.messages.push(message);
    save();
    var item = bubble(message);
    item.setAttribute("data-saved", "");
    log.appendChild(item);
    item.scrollIntoView({ block: "end", behavior: "smooth" });
    return message;
  }

  function renderLog() {
    Array.prototype.slice.call(log.querySelectorAll("li[data-saved]")).forEach(function (li) {
      li.remove();
    });
    state.messages.forEach(function (message) {
      var item = bubble(message);
      item.setAttribute("data-saved", "");
      log.appendChild(item);
    });
  }

  function markUnsent(message) {
    message.unsent = true;
    save();
    renderLog();
  }

  // -- the composer -----------------------------------------------------------
  function setBusy(busy) {
    sending = busy;
    sendButton.disabled = busy;
    sendButton.textContent = busy ? "보내는 중…" : "보내기";
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function updateCounter() {
    var length = messageInput.value.length;
    counter.hidden = length < COUNTER_FROM;
    counter.textContent = length.toLocaleString("ko-KR") + " / " +
      MAX_CHARS.toLocaleString("ko-KR") + "자";
    counter.classList.toggle("at-limit", length >= MAX_CHARS - 50);
  }

  messageInput.addEventListener("input", function () {
    updateCounter();
    state.draft = messageInput.value;
    save();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    formError.textContent = "";
    formNote.textContent = "";
    if (sending) { return; }
    var stored = load();  // another tab may have started a request meanwhile
    if (stored.messages.length || stored.request) { state = stored; }
    if (waiting()) {
      formNote.textContent = COPY.oneAtATime;
      resume();
      return;
    }
    var phone = phoneInput.value.trim();
    var text = messageInput.value.trim();
    if (!phone) {
      formError.textContent = COPY.needPhone;
      phoneInput.focus();
      return;
    }
    if (!text) {
      formError.textContent = COPY.needText;
      messageInput.focus();
      return;
    }
    try { sessionStorage.setItem(PHONE_KEY, phone); } catch (e) { /* private mode */ }
    send({ text: text, customerPhone: phone }, say("me", text));
  });

  // Enter sends, Shift+Enter makes a new line (the usual chat keys).
  messageInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  newChatButton.addEventListener("click", function () {
    if (waiting()) {
      formNote.textContent = COPY.oneAtATime;
      return;
    }
    stopTimers();
    state = emptyState();
    save();
    renderLog();
    progress.hidden = true;
    messageInput.value = "";
    updateCounter();
    formError.textContent = "";
    formNote.textContent = "";
    messageInput.focus();
  });

  // The message box is cleared only once the server took the message.
  function accepted() {
    messageInput.value = "";
    state.draft = "";
    save();
    updateCounter();
  }

  function begin(requestId, reservationNumber, status, body, keepDraft, line) {
    state.sessionId = null;
    if (!keepDraft) { accepted(); }
    state.request = { id: requestId, startedAt: Date.now(), finished: false,
                      text: state.pendingText || body.text,
                      reservationNumber: reservationNumber || null,
                      status: status || "Created", events: [] };
    delete state.pendingText;
    say("bot", line);
    follow();
    messageInput.focus();
  }

  // GET /api/requests/{id} until it answers (2 s apart, then 5 s; about two
  // minutes in all, the send button held meanwhile): found = it was received
  // (followed as if the answer had come); not found = it was not (sent again
  // only by the customer's tap); still unknown after that = said so.
  var LANDED_CHECKS = 30;
  function confirmLanded(requestId, body, mine, keepDraft, tries) {
    setBusy(true);
    formNote.textContent = COPY.checking;
    PL.api("/api/requests/" + encodeURIComponent(requestId),
           { headers: own(requestId) }).then(function (res) {
      var found = res.status === 200 && res.data && res.data.requestId === requestId;
      if (found || res.status === 404 || tries + 1 >= LANDED_CHECKS) {
        setBusy(false);
        formNote.textContent = "";
      }
      if (found) {
        begin(requestId, res.data.reservationNumber, res.data.status, body, keepDraft,
              COPY.acceptedAfterCheck);
        return;
      }
      if (res.status !== 404 && tries + 1 < LANDED_CHECKS) {
        setTimeout(function () {
          confirmLanded(requestId, body, mine, keepDraft, tries + 1);
        }, tries < 5 ? 2000 : 5000);
        return;
      }
      state.sessionId = null;
      delete state.pendingText;
      markUnsent(mine);
      say("bot", res.status === 404 ? COPY.notReceived : COPY.unknownOutcome,
          { kind: "warning" });
      formNote.textContent = COPY.keptText;
      messageInput.focus();
    });
  }

  function send(body, mine, keepDraft) {
    if (state.sessionId && !body.reservationNumber) { body.sessionId = state.sessionId; }
    setBusy(true);
    // One key per message: sent again (same words, same key), it opens no
    // second request and the answer is the first one.
    if (!mine.key) { mine.key = newKey(); save(); }
    PL.api("/api/requests", { method: "POST", body: body,
                              headers: { "Idempotency-Key": mine.key } }).then(function (res) {
      setBusy(false);
      var data = res.data || {};
      if (data.requestId && data.customerToken) { keepToken(data.requestId, data.customerToken); }
      if (res.status === 201 && data.requestId) {
        begin(data.requestId, data.reservationNumber, "Created", body, keepDraft, COPY.accepted);
        return;
      }
      if (res.status === 503 && data.requestId) {
        // The request may be written with its answer lost on the way: look
        // before calling it failed, and before the customer sends it again.
        confirmLanded(data.requestId, body, mine, keepDraft, 0);
        return;
      }
      if (res.status === 0) {
        markUnsent(mine);
        formError.textContent = COPY.network;
        return;
      }
      if (data.code === "RESERVATION_NUMBER_REQUIRED") {
        // A question, not a failure: the next message may be just the number.
        if (data.sessionId) { state.sessionId = data.sessionId; }
        // What the eventual request is about: the message that opened the
        // session (the server completes that one, not the follow-ups).
        if (!body.sessionId || !state.pendingText) { state.pendingText = body.text; }
        accepted();
        say("bot", COPY.askNumber, { kind: "question" });
        messageInput.focus();
        return;
      }
      if (data.code === "CHANGE_DATE_REQUIRED") {
        // Which date the change wants: asked once; the next message answers it.
        if (data.sessionId) { state.sessionId = data.sessionId; }
        if (!body.sessionId || !state.pendingText) { state.pendingText = body.text; }
        accepted();
        say("bot", String(data.message || COPY.askDate), { kind: "question" });
        messageInput.focus();
        return;
      }
      state.sessionId = null;
      delete state.pendingText;
      if (res.status === 409 && data.code === "REQUEST_IN_PROGRESS") {
        if (data.requestId && own(data.requestId)["X-Customer-Token"]) {
          // Our own request is still open (another tab, a reload): follow it.
          begin(data.requestId, body.reservationNumber, "Created", body, true,
                COPY.followingOpen);
          return;
        }
        say("bot", COPY.inProgress, { kind: "warning" });
        formNote.textContent = COPY.keptText;
        messageInput.focus();
        return;
      }
      if (data.code === "INTENT_NOT_UNDERSTOOD" && data.smallTalk === "operator" &&
          data.message) {
        // "상담원 연결": the operators' line, as the server has it for this stage.
        accepted();
        say("bot", String(data.message), { kind: "operator" });
        messageInput.focus();
        return;
      }
      if (data.code === "INTENT_NOT_UNDERSTOOD" && COPY.smallTalk[data.smallTalk]) {
        // A greeting is not a failure: answered in kind, with examples.
        accepted();
        say("bot", COPY.smallTalk[data.smallTalk]);
        messageInput.focus();
        return;
      }
      if (res.status >= 500) { markUnsent(mine); }
      say("bot", failureText(res.status, data), { kind: "warning" });
      formNote.textContent = COPY.keptText;
      messageInput.focus();
    });
  }

  function failureText(status, data) {
    var byCode = {
      INTENT_NOT_UNDERSTOOD: COPY.notUnderstood,
      RESERVATION_NOT_FOUND: COPY.notFound,
      RESERVATION_MISMATCH: COPY.mismatch,
      NLU_UNAVAILABLE: COPY.unavailable,
      WORKFLOW_UNAVAILABLE: COPY.workflowDown
    };
    if (byCode[data.code]) { return byCode[data.code]; }
    if (data.code === "BAD_REQUEST") {
      var message = String(data.message || "");
      if (message.indexOf("휴대폰") !== -1) { return COPY.badPhone; }
      if (message.indexOf("자 이내") !== -1) { return COPY.tooLong; }
      return COPY.badRequest;
    }
    return status >= 500 ? COPY.unavailable : COPY.failedGeneric;
  }

  // "다시 요청하기": one explicit tap sends the finished request's words again.
  function retryRequest(requestId) {
    if (sending) { return; }
    if (waiting()) { formNote.textContent = COPY.oneAtATime; return; }
    if (!state.request || state.request.id !== requestId) { return; }
    var phone = phoneInput.value.trim();
    if (!phone) {
      formError.textContent = COPY.needPhone;
      phoneInput.focus();
      return;
    }
    var body = { text: state.request.text, customerPhone: phone };
    if (state.request.reservationNumber) {
      body.reservationNumber = state.request.reservationNumber;
    }
    state.sessionId = null;
    delete state.pendingText;
    send(body, say("me", COPY.retrying), true);
  }

  // A new message about the same reservation, written by the customer: the
  // reservation number is filled in, the rest is theirs.
  function composeAbout(requestId) {
    if (!state.request || state.request.id !== requestId) { return; }
    var number = state.request.reservationNumber || "";
    if (messageInput.value.indexOf(number) === -1) {
      messageInput.value = (number ? number + " " : "") + messageInput.value;
    }
    state.draft = messageInput.value;
    save();
    updateCounter();
    messageInput.focus();
    messageInput.setSelectionRange(messageInput.value.length, messageInput.value.length);
  }

  // -- following the request --------------------------------------------------
  function stopTimers() {
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (clockTimer) { clearInterval(clockTimer); clockTimer = null; }
  }

  function follow() {
    stopTimers();
    chain += 1;
    var request = state.request;
    if (!request) { progress.hidden = true; return; }
    progress.hidden = false;
    renderSteps(request);
    renderClock();
    if (request.finished) { return; }
    clockTimer = setInterval(renderClock, 1000);
    poll(chain);
  }

  function resume() {
    if (waiting() && !pollTimer) { follow(); }
  }

  function poll(gen) {
    var request = state.request;
    if (gen !== chain || !request || request.finished) { return; }
    pollTimer = null;
    var id = request.id;
    PL.api("/api/requests/" + encodeURIComponent(id), { headers: own(id) }).then(function (res) {
      request = state.request;  // the state may have been reloaded meanwhile
      if (gen !== chain || !request || request.id !== id || request.finished) { return; }
      if (res.status === 200 && res.data) {
        statusLine.classList.remove("offline");
        update(request, res.data);
      } else if (res.status === 0) {
        statusLine.textContent = COPY.reconnecting;
        statusLine.classList.add("offline");
      } else if (res.status === 404) {
        finish(request, "failed");
        say("bot", COPY.requestFailed, { kind: "warning", outcome: "failed",
                                         next: COPY.requestFailed, retry: true, contact: true,
                                         requestId: request.id });
      }
      if (!request.finished && Date.now() - request.startedAt > POLL_LIMIT_MS) {
        finish(request, "failed");
        say("bot", COPY.gaveUp, { kind: "warning", outcome: "failed", next: COPY.gaveUp,
                                  retry: true, contact: true, requestId: request.id });
      }
      if (!request.finished && !pollTimer) {
        pollTimer = setTimeout(function () { poll(gen); }, pollDelay(request));
      }
    });
  }

  // Quick again after any change (the SMS went out, the link was opened, an
  // answer came), slower the longer the request stays as it is.
  function pollDelay(request) {
    var since = request.changedAt || request.startedAt || Date.now();
    var quiet = Math.max(0, Date.now() - since);
    return Math.min(POLL_MAX_MS, Math.max(POLL_MS, Math.round(quiet / POLL_QUIET_SHARE)));
  }

  function finish(request, outcome) {
    request.finished = true;
    request.outcome = outcome;
    request.finishedAt = Date.now();
    stopTimers();
    save();
    renderSteps(request);
    renderClock();
  }

  function update(request, view) {
    if (request.status !== view.status ||
        (request.events || []).length !== (view.events || []).length) {
      request.changedAt = Date.now();
    }
    request.status = view.status;
    request.events = view.events || [];
    request.decision = view.partnerDecision || null;
    request.intent = view.intent || null;
    request.deadline = view.deadline || null;
    save();
    renderSteps(request);
    renderClock();
    if (view.status === "Failed") {
      finish(request, "failed");
      say("bot", COPY.requestFailed, { kind: "warning", outcome: "failed",
                                       next: COPY.requestFailed, retry: true, contact: true,
                                       requestId: request.id });
      return;
    }
    if (!(view.notification && view.notification.message)) { return; }
    var outcome = view.status === "Timeout" ? "timeout" : (view.partnerDecision || "accept");
    finish(request, outcome);
    announce(request, view, outcome);
    if (outcome === "timeout") { watchLate(); }
  }

  // The notification's bubble with what the customer can do next. A timed-out
  // request never offers to send the same request again: the 제휴점 may have
  // refused by phone, and the operators are already on it.
  function announce(request, view, outcome, late) {
    var extra = { outcome: outcome, requestId: request.id };
    if (late) { extra.late = true; }
    if (outcome === "accept") {
      extra.kind = "notification";
      extra.next = COPY.nextDone;
    } else if (outcome === "propose") {
      extra.kind = "notification proposed";
      extra.proposedAt = view.alternativeTime || null;
      // One tap answers the partner's time when there is one to answer.
      extra.canReply = Boolean(extra.proposedAt);
      extra.next = extra.canReply ? COPY.nextProposedReply : COPY.nextProposed;
      extra.compose = true;
      extra.contact = true;
    } else {
      extra.kind = "notification " + (outcome === "timeout" ? "timed-out" : "rejected");
      extra.next = outcome === "timeout" ? COPY.nextTimeout : COPY.nextRejected;
      extra.contact = true;
    }
    if (late) { extra.kind += " late"; }
    say("bot", (late ? COPY.lateAnswer + " " : "") + view.notification.message, extra);
  }

  // -- a late answer (after the timeout) -------------------------------------------
  function lateWatched() {
    var request = state.request;
    return Boolean(request && request.finished && request.outcome === "timeout" &&
                   Date.now() - (request.finishedAt || 0) < KEEP_MS);
  }

  function watchLate() {
    if (lateTimer) { clearTimeout(lateTimer); lateTimer = null; }
    if (!lateWatched() || document.visibilityState === "hidden") { return; }
    var id = state.request.id;
    PL.api("/api/requests/" + encodeURIComponent(id), { headers: own(id) }).then(function (res) {
      var request = state.request;
      if (!request || request.id !== id || !lateWatched()) { return; }
      var view = res.data || {};
      if (res.status === 200 && view.status === "Responded" &&
          view.notification && view.notification.message) {
        request.status = view.status;
        request.events = view.events || [];
        request.decision = view.partnerDecision || null;
        request.outcome = view.partnerDecision || "accept";
        save();
        renderSteps(request);
        announce(request, view, request.outcome, true);
        return;
      }
      if (!lateTimer) { lateTimer = setTimeout(watchLate, LATE_POLL_MS); }
    });
  }

  function renderSteps(request) {
    var status = request.status;
    var seen = {};
    (request.events || []).forEach(function (e) { seen[e.type] = e.at; });
    seen.Created = seen.Created || true;
    // From the status, not from which events exist: a click whose answer never
    // reached the workflow leaves a Responded event on a request that ended Timeout.
    var timedOut = status === "Timeout";
    var answered = status === "Responded";
    var failed = status === "Failed" || request.outcome === "failed";
    var steps = [
      { key: "Created", done: Boolean(seen.Created), at: seen.Created },
      { key: "SMS Sent", done: Boolean(seen["SMS Sent"]) || answered || timedOut,
        at: seen["SMS Sent"] },
      { key: "Answer", done: answered, bad: timedOut || (answered && request.decision === "reject"),
        at: answered ? seen.Responded : seen.Timeout,
        label: timedOut ? "응답 시간 초과" :
          (answered && PL.decisionStep(request.intent, request.decision)) || "제휴점 응답" },
      { key: "Notified", done: Boolean(seen.Notified), at: seen.Notified }
    ];
    var currentMarked = failed || request.finished;
    steps.forEach(function (step) {
      var item = progress.querySelector('[data-step="' + step.key + '"]');
      if (!item) { return; }
      if (step.label) { item.textContent = step.label; }
      // A timeout is not a finished step: no "done" (no green, no check mark).
      item.classList.toggle("done", step.done);
      item.classList.toggle("timeout", step.key === "Answer" && timedOut);
      item.classList.toggle("negative", step.key === "Answer" && Boolean(step.bad) && !timedOut);
      var finishedStep = step.done || (step.key === "Answer" && timedOut);
      if (!finishedStep && !currentMarked) {
        item.setAttribute("aria-current", "step");
        currentMarked = true;
      } else {
        item.removeAttribute("aria-current");
      }
      if (finishedStep && typeof step.at === "string") {
        item.setAttribute("title", PL.formatClock(step.at));
      }
    });
    progress.setAttribute("data-outcome", request.outcome || "");
    if (!statusLine.classList.contains("offline") || request.finished) {
      statusLine.classList.remove("offline");
      statusLine.textContent = "현재 상태: " + PL.statusLabel(status);
    }
    statusLine.setAttribute("data-status", status || "");
  }

  var clockFormat = null;
  try {
    clockFormat = new Intl.DateTimeFormat("ko-KR", { timeZone: "Asia/Seoul", hour: "numeric",
                                                     minute: "2-digit", hour12: true });
  } catch (e) { clockFormat = null; }

  // "오후 3:05", as the partner's page writes times.
  function clockKorean(date) {
    return clockFormat ? clockFormat.format(date) : date.toISOString();
  }

  function duration(ms) {
    var seconds = Math.max(0, Math.floor(ms / 1000));
    var minutes = Math.floor(seconds / 60);
    return (minutes ? minutes + "분 " : "") + (seconds % 60) + "초";
  }

  // Elapsed time always; the deadline only when the API gives one (contract §3
  // `deadline`, not served yet).
  function renderClock() {
    var request = state.request;
    if (!request) { elapsedLine.textContent = ""; return; }
    if (request.finished) {
      elapsedLine.textContent = "";
      elapsedLine.hidden = true;
      return;
    }
    elapsedLine.hidden = false;
    var text = COPY.waitingLine + " 기다린 시간 " + duration(Date.now() - request.startedAt);
    var deadline = request.deadline ? new Date(request.deadline) : null;
    if (deadline && !isNaN(deadline.getTime())) {
      var left = deadline.getTime() - Date.now();
      text += "\n답 마감 " + clockKorean(deadline) +
        (left > 0 ? " (남은 시간 " + duration(left) + ")" : " (마감 시간이 지났어요)");
    }
    elapsedLine.textContent = text;
  }

  // -- start ------------------------------------------------------------------
  // Phones pause timers in the background: check at once when the page is
  // seen again or the network comes back.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && waiting()) { follow(); }
    if (document.visibilityState === "visible" && lateWatched()) { watchLate(); }
  });
  window.addEventListener("online", function () {
    if (waiting()) { follow(); }
  });
  // Another tab of this page changed the conversation: show the same. Only
  // visible changes count (not each poll's save), so two tabs never set each
  // other polling in a loop.
  function replies(saved) {
    return saved.messages.filter(function (m) { return Boolean(m.replied); }).length;
  }
  window.addEventListener("storage", function (event) {
    if (event.key !== STORE_KEY) { return; }
    var next = load();
    var before = state;
    var changed = next.messages.length !== before.messages.length ||
      (next.request && next.request.id) !== (before.request && before.request.id) ||
      Boolean(next.request && next.request.finished) !==
        Boolean(before.request && before.request.finished) ||
      replies(next) !== replies(before);
    if (!changed) { return; }
    state = next;
    renderLog();
    follow();
    watchLate();
  });

  if (operatorPhone && operatorLine) {
    operatorLine.textContent = "운영팀 " + operatorPhone + (operatorHours ? " (" + operatorHours + ")" : "");
    operatorLine.hidden = false;
  }
  try { phoneInput.value = sessionStorage.getItem(PHONE_KEY) || ""; } catch (e) { /* */ }
  if (state.draft) { messageInput.value = state.draft; }
  updateCounter();
  renderLog();
  if (state.messages.length) {
    formNote.textContent = COPY.resumed;
  }
  follow();
  watchLate();
})();
