// trendpath onboarding: one step at a time, each checked before the next, and the skills the
// chosen interests need shown first. Without this file the form is one page with one submit.
(function () {
  "use strict";
  var form = document.getElementById("onboarding-form");
  if (!form) { return; }
  var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset.step"));
  var stepper = document.getElementById("stepper");
  var save = form.querySelector(".save");
  var relevantBox = document.getElementById("relevant-skills");
  var limit = parseInt(form.getAttribute("data-relevant"), 10) || 10;
  var current = 1;

  function msg(name) { return form.getAttribute("data-msg-" + name) || ""; }

  function show(n) {
    current = n;
    steps.forEach(function (fs) { fs.hidden = +fs.getAttribute("data-step") !== n; });
    save.hidden = n !== steps.length;
    stepper.querySelectorAll("li").forEach(function (li) {
      var here = +li.getAttribute("data-step") === n;
      li.classList.toggle("current", here);
      li.classList.toggle("past", +li.getAttribute("data-step") < n);
      if (here) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
    });
    var legend = steps[n - 1].querySelector("legend");
    legend.setAttribute("tabindex", "-1");
    legend.focus();
  }

  // A message next to the field, as the server would render it.
  function mark(el, id, text) {
    var box = document.getElementById(id);
    if (!text) {
      if (box && box.getAttribute("data-client")) { box.remove(); }
      el.removeAttribute("aria-invalid");
      return true;
    }
    if (!box) {
      box = document.createElement("p");
      box.id = id;
      box.className = "field-error";
      box.setAttribute("role", "alert");
      box.setAttribute("data-client", "1");
      el.insertAdjacentElement("afterend", box);
    }
    box.textContent = text;
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", id);
    return false;
  }

  function checkBasics() {
    var ok = true, first = null;
    ["status", "education", "region"].forEach(function (name) {
      var el = document.getElementById(name);
      if (!mark(el, name + "-error", el.value ? "" : msg(name))) { ok = false; first = first || el; }
    });
    var field = document.getElementById("field");
    var len = field.value.trim().length;
    if (!mark(field, "field-error", len >= 1 && len <= 60 ? "" : msg("field"))) { ok = false; first = first || field; }
    var hours = document.getElementById("weekly_hours");
    var h = parseFloat(hours.value);
    var inRange = !isNaN(h) && h >= +hours.min && h <= +hours.max;
    if (!mark(hours, "weekly_hours-error", inRange ? "" : msg("weekly_hours"))) { ok = false; first = first || hours; }
    if (first) { first.focus(); }
    return ok;
  }

  function chosenInterests() {
    return Array.prototype.slice.call(form.querySelectorAll('input[name="interests"]:checked'))
      .map(function (el) { return el.value; });
  }

  function checkInterests() {
    var n = chosenInterests().length;
    var max = parseInt(form.getAttribute("data-max-interests"), 10) || 15;
    var text = n === 0 ? msg("interests") : (n > max ? msg("too-many") : "");
    var legend = document.querySelector("#step-interests legend");
    var ok = mark(legend, "interests-error", text);
    if (!ok) { form.querySelector('input[name="interests"]').focus(); }
    return ok;
  }

  function weight(slider, interests) {
    var total = 0;
    (slider.getAttribute("data-weights") || "").split(" ").forEach(function (pair) {
      var parts = pair.split(":");
      if (parts.length === 2 && interests.indexOf(parts[0]) >= 0) { total += parseFloat(parts[1]); }
    });
    return total;
  }

  // Rated skills and the ones the chosen interests need most come first; the rest go home.
  function rankSkills() {
    var interests = chosenInterests();
    var all = Array.prototype.slice.call(form.querySelectorAll(".slider[data-skill]"));
    all.forEach(function (s) {
      if (!s.getAttribute("data-home")) {
        var home = s.parentElement.closest(".skill-group");
        s.setAttribute("data-home", home ? home.getAttribute("data-group") : "");
      }
    });
    var rated = all.filter(function (s) { return +s.querySelector("input").value > 0; });
    var needed = all.filter(function (s) { return rated.indexOf(s) < 0 && weight(s, interests) > 0; })
      .sort(function (a, b) { return weight(b, interests) - weight(a, interests); });
    var chosen = rated.concat(needed).slice(0, Math.max(limit, rated.length));
    all.forEach(function (s) {
      if (chosen.indexOf(s) >= 0) { return; }
      var group = form.querySelector('.skill-group[data-group="' + s.getAttribute("data-home") + '"]');
      if (group && s.parentElement !== group) { group.appendChild(s); }
    });
    var none = relevantBox.querySelector(".relevant-none");
    chosen.forEach(function (s) { relevantBox.insertBefore(s, none); });
    none.hidden = chosen.length > 0;
  }

  form.classList.add("js-steps");
  form.querySelectorAll(".step-nav").forEach(function (p) { p.hidden = false; });
  form.addEventListener("click", function (ev) {
    var button = ev.target.closest("button[data-go]");
    if (!button) { return; }
    var go = +button.getAttribute("data-go");
    if (go > current && current === 1 && !checkBasics()) { return; }
    if (go > current && current === 2) {
      if (!checkInterests()) { return; }
      rankSkills();
    }
    show(go);
  });
  stepper.addEventListener("click", function (ev) {
    var li = ev.target.closest("li[data-step]");
    if (!li) { return; }
    ev.preventDefault();
    var go = +li.getAttribute("data-step");
    if (go > 1 && current === 1 && !checkBasics()) { return; }
    if (go > 2 && !checkInterests()) { return; }
    if (go === 3) { rankSkills(); }
    show(go);
  });
  form.addEventListener("submit", function (ev) {
    if (!checkBasics()) { ev.preventDefault(); show(1); checkBasics(); return; }
    if (!checkInterests()) { ev.preventDefault(); show(2); checkInterests(); }
  });
  show(+form.getAttribute("data-start-step") || 1);
  window.scrollTo(0, 0);
})();
