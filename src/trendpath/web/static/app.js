// trendpath dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Skill sliders: show the chosen level next to the slider and tell screen readers its meaning.
  var LEVELS = { "0": "평가 안 함", "1": "처음 접함", "2": "기초 개념 이해", "3": "도움 받아 실무 수행",
    "4": "혼자서 실무 수행", "5": "남을 가르치고 이끌 수 있음" };
  document.querySelectorAll('input[type="range"][name^="skill__"]').forEach(function (el) {
    var out = document.getElementById(el.id + "-out");
    el.addEventListener("input", function () {
      if (out) { out.textContent = el.value === "0" ? "–" : el.value; }
      el.setAttribute("aria-valuetext", LEVELS[el.value] || el.value);
    });
  });

  // Coach chat: post the form to the streaming endpoint and show the reply as it is written.
  var form = document.getElementById("chat-form");
  if (!form || !window.fetch || !window.TextDecoder) { return; }
  var chat = document.getElementById("chat");
  var status = document.getElementById("chat-status");
  // Words in the page's language, rendered by the server onto the form.
  function word(name, fallback) { return form.getAttribute("data-" + name) || fallback; }

  function bubble(role, text) {
    var li = document.createElement("li");
    li.className = "msg " + role;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = role === "assistant" ? word("coach", "코치") : word("me", "나");
    var body = document.createElement("div");
    body.className = "text";
    body.textContent = text;
    li.appendChild(who);
    li.appendChild(body);
    chat.appendChild(li);
    li.scrollIntoView({ block: "end" });
    return body;
  }

  function handle(block, state) {
    var event = "message", data = "";
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) { event = line.slice(6).trim(); }
      else if (line.indexOf("data:") === 0) { data += line.slice(5).trim(); }
    });
    if (!data) { return; }
    var payload = JSON.parse(data);
    if (event === "delta") { state.body.textContent += payload.text; }
    else if (event === "replace") { state.body.textContent = payload.text; }
    else if (event === "done") { state.done = true; }
    else if (event === "error") { state.error = payload.message || word("failed", "오류가 발생했습니다."); }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var data = new FormData(form);
    var submitter = ev.submitter;
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    var shown = submitter && submitter.name === "choice" ? submitter.textContent
      : (submitter && submitter.name === "text" ? submitter.value : data.get("text"));
    if (!shown || !String(shown).trim()) { return; }
    // Over the limit: say so and keep the text (the server would refuse it, never cut it).
    var box = document.getElementById("chat-text");
    var max = box ? parseInt(String(box.getAttribute("data-max")).replace(/,/g, ""), 10) : 0;
    var isChoice = submitter && submitter.name === "choice";
    if (!isChoice && max && String(shown).length > max) {
      status.textContent = word("too-long", "답변이 너무 길어요.");
      return;
    }
    form.querySelectorAll("button, textarea").forEach(function (el) { el.disabled = true; });
    bubble("user", String(shown));
    var state = { body: bubble("assistant", ""), done: false, error: null };
    status.textContent = word("busy", "코치가 답하는 중…");
    fetch(form.getAttribute("data-stream"), { method: "POST", body: new URLSearchParams(data),
      credentials: "same-origin" }).then(function (resp) {
      var reader = resp.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { return; }
          buffer += decoder.decode(chunk.value, { stream: true });
          var parts = buffer.split("\n\n");
          buffer = parts.pop();
          parts.forEach(function (block) { handle(block, state); });
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      state.error = word("lost", "연결이 끊겼습니다. 페이지를 새로 고쳐 주세요.");
    }).then(function () {
      if (state.error) {
        status.textContent = state.error;
        form.querySelectorAll("button, textarea").forEach(function (el) { el.disabled = false; });
        return;
      }
      // The server renders choices, the summary and the end of the talk: reload to show them.
      window.location.reload();
    });
  });
})();
