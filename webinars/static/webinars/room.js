/* The live room's client: one WebSocket, reconnection with exponential
   backoff and jitter, resume from the last event seen, and plain DOM
   rendering. User text is only ever set with textContent. */
(function () {
  "use strict";
  var root = document.getElementById("room");
  if (!root) return;
  var T = JSON.parse(document.getElementById("room-strings").textContent);
  var role = root.dataset.role;
  var isTrainer = role === "trainer";
  var myId = parseInt(root.dataset.user, 10);
  var $ = function (id) { return document.getElementById(id); };

  var ws = null, attempts = 0, lastEventId = 0, lastSeq = 0, heartbeat = null, pongTimer = null, stopped = false;
  var status = "scheduled", me = {}, questions = {}, poll = null, hands = {}, people = [], muted = {}, polls = [];
  var HEARTBEAT_MS = 25000, PONG_MS = 10000, MAX_DELAY_MS = 30000;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  function plural(key, count) {
    return fmt(count === 1 ? T[key + "_one"] : T[key + "_many"], { count: count });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function button(label, onClick, className) {
    var b = el("button", className || "btn secondary small", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }
  function clock(iso) {
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  function showError(ref, message) {
    var box = root.querySelector('.room-error[data-for="' + ref + '"]') || root.querySelector('.room-error[data-for="chat"]');
    if (!box) { banner(message); return; }
    box.textContent = message;
    setTimeout(function () { if (box.textContent === message) box.textContent = ""; }, 6000);
  }
  function banner(text) {
    var b = $("room-banner");
    b.textContent = text;
    b.hidden = !text;
  }

  /* ------------------------------------------------------------ connection */

  function setConnection(key) {
    var c = $("room-connection");
    c.textContent = T[key];
    c.className = "tag " + (key === "connected" ? "ok" : key === "closed" ? "danger" : "warn");
  }
  function send(frame) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + location.host + root.dataset.socket +
      (lastSeq ? "?last_seq=" + lastSeq : lastEventId ? "?last_event_id=" + lastEventId : "");
    setConnection(attempts ? "reconnecting" : "connecting");
    ws = new WebSocket(url);
    ws.onopen = function () {
      attempts = 0;
      setConnection("connected");
      clearInterval(heartbeat);
      heartbeat = setInterval(ping, HEARTBEAT_MS);
    };
    ws.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      handle(frame);
    };
    ws.onclose = function (event) {
      clearInterval(heartbeat);
      clearTimeout(pongTimer);
      var final = event.code >= 4400 && event.code < 4500;
      if (stopped || final || status === "ended" || status === "cancelled") {
        setConnection("closed");
        return;
      }
      // Exponential backoff with full jitter, so a crowd does not reconnect at once.
      var delay = Math.min(MAX_DELAY_MS, 1000 * Math.pow(2, attempts)) * (0.5 + Math.random() / 2);
      attempts += 1;
      setConnection("reconnecting");
      setTimeout(connect, delay);
    };
  }
  function ping() {
    if (send({ type: "heartbeat" })) {
      clearTimeout(pongTimer);
      // No answer: the connection is dead even if the browser has not noticed (mobile networks).
      pongTimer = setTimeout(function () { if (ws) ws.close(); }, PONG_MS);
    }
  }
  window.addEventListener("online", function () { if (ws && ws.readyState > 1 && !stopped) { attempts = 0; } });

  /* ------------------------------------------------------------ frames */

  var seen = {}, seenOrder = [];
  function firstTime(id) {
    // Ids may arrive out of order around a resume: remember the recent ones.
    if (seen[id]) return false;
    seen[id] = true;
    seenOrder.push(id);
    if (seenOrder.length > 2000) delete seen[seenOrder.shift()];
    return true;
  }
  function handle(frame) {
    if (frame.seq) {
      // The server sends events in sequence, once; a repeat or a step back is dropped.
      if (frame.seq <= lastSeq) return;
      lastSeq = frame.seq;
    }
    if (frame.id) {
      if (!firstTime(frame.id)) return;
      lastEventId = Math.max(lastEventId, frame.id);
    }
    var d = frame.data || {};
    switch (frame.type) {
      case "snapshot": return applySnapshot(d);
      case "resumed":
        lastEventId = Math.max(lastEventId, d.last_event_id);
        if (d.last_seq !== undefined) lastSeq = d.last_seq;
        setStatus(d.session.status); setPresent(d.present); me = d.me; renderMe();
        if (d.people) { people = d.people; renderPeople(); }
        poll = d.poll; renderPoll();
        return;
      case "pong": clearTimeout(pongTimer); return;
      case "error": return showError(frame.ref || "chat", frame.message);
      case "session.status": return setStatus(d.status);
      case "chat.message": return addMessage(d.message);
      case "chat.deleted":
        var gone = $("msg-" + d.message_id);
        if (gone) gone.remove();
        return;
      case "user.muted":
        if (d.user.id === myId) { me.muted = d.muted; renderMe(); }
        if (d.muted) muted[d.user.id] = d.user; else delete muted[d.user.id];
        return;
      case "question.updated": questions[d.question.id] = mergeVoted(d.question); return renderQuestions();
      case "poll.opened": poll = d.poll; poll.my_answer = []; pollStatus(d.poll, "open"); return renderPoll();
      case "poll.closed": poll = d.poll; pollStatus(d.poll, "closed"); return renderPoll();
      case "poll.results":
        if (poll && poll.id === d.poll_id) { poll.results = { counts: d.counts, voters: d.voters }; renderPoll(); }
        return;
      case "hand.updated":
        if (d.user.id === myId) { me.hand_raised = d.raised; renderMe(); }
        if (d.raised) hands[d.user.id] = d.user; else delete hands[d.user.id];
        return renderHands();
      case "announcement": return banner(d.announcement.text);
      case "presence": return setPresent(d.count);
      case "presence.list": people = d.people; return renderPeople();
    }
  }
  function mergeVoted(q) {
    var old = questions[q.id];
    q.voted = old ? old.voted : false;
    return q;
  }
  function applySnapshot(d) {
    lastEventId = d.last_event_id;
    lastSeq = d.last_seq || 0;
    seen = {}; seenOrder = [];
    me = d.me;
    setStatus(d.session.status);
    setPresent(d.present);
    $("room-messages").textContent = "";
    d.chat.forEach(addMessage);
    questions = {};
    d.questions.forEach(function (q) { questions[q.id] = q; });
    renderQuestions();
    poll = d.poll;
    renderPoll();
    if (d.announcements.length) banner(d.announcements[0].text);
    if (isTrainer) {
      people = d.people; polls = d.polls; hands = {}; muted = {};
      d.hands.forEach(function (h) { hands[h.id] = h; });
      d.muted.forEach(function (m) { muted[m.id] = m; });
      renderPeople(); renderPolls(); renderHands();
    }
    renderMe();
  }
  function pollStatus(p, value) {
    polls.forEach(function (item) { if (item.id === p.id) item.status = value; });
    renderPolls();
  }

  /* ------------------------------------------------------------ rendering */

  function setStatus(value) {
    status = value;
    var s = $("room-status");
    s.textContent = T[value] || value;
    s.className = "tag " + (value === "live" ? "ok" : value === "scheduled" ? "warn" : "danger");
    if (value === "ended" || value === "cancelled") {
      banner(T[value]);
      stopped = true;
      root.querySelectorAll("form button, #room-hand").forEach(function (b) { b.disabled = true; });
    }
  }
  function setPresent(count) {
    $("room-present").textContent = plural("present", count);
  }
  function renderMe() {
    var hand = $("room-hand");
    if (hand) {
      hand.textContent = me.hand_raised ? T.lower_mine : T.raise;
      hand.setAttribute("aria-pressed", me.hand_raised ? "true" : "false");
    }
    var text = $("room-chat-text");
    if (text) {
      text.disabled = !!me.muted;
      text.placeholder = me.muted ? T.muted : "";
    }
  }
  function addMessage(m) {
    var list = $("room-messages");
    if ($("msg-" + m.id)) return;
    var item = el("li", m.is_trainer ? "trainer" : "");
    item.id = "msg-" + m.id;
    var head = el("div", "small muted");
    head.appendChild(el("strong", "", m.author.name));
    if (m.is_trainer) head.appendChild(el("span", "tag ok", T.trainer));
    head.appendChild(document.createTextNode(" " + clock(m.created_at)));
    item.appendChild(head);
    item.appendChild(el("div", "text", m.text));
    if (isTrainer && m.author.id !== myId) {
      var tools = el("div", "tools");
      tools.appendChild(button(T["delete"], function () { send({ type: "chat.delete", message_id: m.id, ref: "chat" }); }));
      tools.appendChild(button(muted[m.author.id] ? T.unmute : T.mute, function () {
        send({ type: "user.mute", user_id: m.author.id, muted: !muted[m.author.id], ref: "chat" });
      }));
      item.appendChild(tools);
    }
    list.appendChild(item);
    while (list.children.length > 200) list.removeChild(list.firstChild);
    list.scrollTop = list.scrollHeight;
  }
  function renderQuestions() {
    var list = $("room-questions");
    list.textContent = "";
    var open = Object.keys(questions).map(function (k) { return questions[k]; })
      .filter(function (q) { return q.status === "open"; })
      .sort(function (a, b) {
        return (b.pinned - a.pinned) || (b.votes - a.votes) || (a.created_at < b.created_at ? -1 : 1);
      });
    if (!open.length) { list.appendChild(el("li", "muted", T.no_questions)); return; }
    open.forEach(function (q) {
      var item = el("li", q.pinned ? "pinned" : "");
      item.appendChild(el("div", "text", q.text));
      var who = q.author ? q.author.name : T.anonymous;
      if (q.author && q.anonymous) who = fmt(T.anonymous_author, { name: q.author.name });
      var meta = el("div", "small muted", who + " · " + plural("votes", q.votes) + (q.pinned ? " · " + T.pinned : ""));
      item.appendChild(meta);
      var tools = el("div", "tools");
      var mine = q.author && q.author.id === myId;
      if (role !== "observer" && !mine) {
        var up = button(q.voted ? T.upvoted : T.upvote, function () {
          q.voted = true;
          send({ type: "question.upvote", question_id: q.id, ref: "question" });
          renderQuestions();
        });
        up.disabled = !!q.voted;
        tools.appendChild(up);
      }
      if (isTrainer) {
        tools.appendChild(button(q.pinned ? T.unpin : T.pin, function () { moderate(q, q.pinned ? "unpin" : "pin"); }));
        tools.appendChild(button(T.answered, function () { moderate(q, "answer"); }));
        tools.appendChild(button(T.dismiss, function () { moderate(q, "dismiss"); }));
      }
      item.appendChild(tools);
      list.appendChild(item);
    });
  }
  function moderate(q, action) { send({ type: "question.moderate", question_id: q.id, action: action, ref: "question" }); }

  function renderPoll() {
    var box = $("room-poll");
    box.textContent = "";
    if (!poll) { box.appendChild(el("p", "muted", T.no_poll)); return; }
    box.appendChild(el("p", "poll-question", poll.question));
    if (poll.status === "open" && role !== "observer") {
      var form = el("form", "room-form");
      var type = poll.kind === "multiple" ? "checkbox" : "radio";
      poll.options.forEach(function (o) {
        var label = el("label", "inline");
        var input = el("input");
        input.type = type; input.name = "poll-" + poll.id; input.value = o.id;
        input.checked = (poll.my_answer || []).indexOf(o.id) >= 0;
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + o.text));
        form.appendChild(label);
      });
      var submit = el("button", "", (poll.my_answer || []).length ? T.change_vote : T.vote);
      submit.type = "submit";
      form.appendChild(submit);
      var error = el("p", "room-error small");
      error.dataset["for"] = "poll";
      error.setAttribute("role", "alert");
      form.appendChild(error);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var chosen = Array.prototype.map.call(form.querySelectorAll("input:checked"), function (i) { return parseInt(i.value, 10); });
        if (!chosen.length) return;
        poll.my_answer = chosen;
        send({ type: "poll.vote", poll_id: poll.id, option_ids: chosen, ref: "poll" });
        box.querySelector("button[type=submit]").textContent = T.change_vote;
      });
      box.appendChild(form);
      if ((poll.my_answer || []).length) box.appendChild(el("p", "small muted", T.voted));
    }
    if (poll.results) {
      box.appendChild(el("p", "small muted", (poll.status === "closed" ? T.closed_poll + " · " : "") + T.results + " · " + plural("voters", poll.results.voters)));
      var bars = el("ul", "bars");
      poll.options.forEach(function (o) {
        var n = poll.results.counts[String(o.id)] || 0;
        var pct = poll.results.voters ? Math.round(100 * n / poll.results.voters) : 0;
        var item = el("li");
        item.appendChild(el("span", "", o.text + " — " + n + " (" + pct + " %)"));
        var bar = el("progress", "progress");
        bar.max = 100;
        bar.value = pct;
        bar.setAttribute("aria-hidden", "true");
        item.appendChild(bar);
        bars.appendChild(item);
      });
      box.appendChild(bars);
    }
  }
  function renderPolls() {
    var list = $("room-polls");
    if (!list) return;
    list.textContent = "";
    if (!polls.length) { list.appendChild(el("li", "muted", T.no_polls)); return; }
    polls.forEach(function (p) {
      var item = el("li", "", p.question + " ");
      item.appendChild(el("span", "tag", p.status === "open" ? T.open : p.status === "closed" ? T.closed_poll : T.prepared));
      if (p.status === "draft") item.appendChild(button(T.open_poll, function () { send({ type: "poll.open", poll_id: p.id, ref: "control" }); }));
      if (p.status === "open") item.appendChild(button(T.close_poll, function () { send({ type: "poll.close", poll_id: p.id, ref: "control" }); }));
      list.appendChild(item);
    });
  }
  function renderHands() {
    var list = $("room-hands");
    if (!list) return;
    list.textContent = "";
    var ids = Object.keys(hands);
    if (!ids.length) { list.appendChild(el("li", "muted", T.no_hands)); return; }
    ids.forEach(function (id) {
      var item = el("li", "", hands[id].name + " ");
      item.appendChild(button(T.lower, function () { send({ type: "hand.lower", user_id: hands[id].id, ref: "control" }); }));
      list.appendChild(item);
    });
  }
  function renderPeople() {
    var list = $("room-people");
    if (!list) return;
    list.textContent = "";
    people.forEach(function (p) {
      list.appendChild(el("li", "", p.name + (p.role === "trainer" ? " (" + T.trainer + ")" : "")));
    });
  }

  /* ------------------------------------------------------------ actions */

  function onSubmit(id, build) {
    var form = $(id);
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var frame = build();
      if (frame && send(frame)) form.reset();
    });
  }
  onSubmit("room-chat-form", function () {
    var text = $("room-chat-text").value.trim();
    return text ? { type: "chat.send", text: text, ref: "chat" } : null;
  });
  onSubmit("room-ask", function () {
    var text = $("room-question").value.trim();
    return text ? { type: "question.ask", text: text, anonymous: $("room-anonymous").checked, ref: "question" } : null;
  });
  onSubmit("room-announce", function () {
    var text = $("room-announcement").value.trim();
    return text ? { type: "announce", text: text, ref: "control" } : null;
  });
  var chatText = $("room-chat-text");
  if (chatText) {
    chatText.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("room-chat-form").requestSubmit(); }
    });
  }
  var hand = $("room-hand");
  if (hand) hand.addEventListener("click", function () { send({ type: "hand.set", raised: !me.hand_raised, ref: "chat" }); });
  if ($("room-start")) $("room-start").addEventListener("click", function () { send({ type: "session.start", ref: "control" }); });
  if ($("room-end")) $("room-end").addEventListener("click", function () { send({ type: "session.end", ref: "control" }); });

  renderQuestions();
  connect();
})();
