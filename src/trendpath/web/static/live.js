// trendpath live updates: listen to the page's event stream; on a change, fetch the page again
// and swap every element marked data-live (matched by id). Pages work without this file.
(function () {
  "use strict";
  var anchor = document.getElementById("live");
  if (!anchor || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var url = anchor.getAttribute("data-live-url");
  var busy = false, again = false;

  function mark(state) { document.body.setAttribute("data-live-state", state); }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live]").forEach(function (el) {
      var next = el.id ? fresh.getElementById(el.id) : null;
      if (next) { el.replaceWith(document.importNode(next, true)); }
    });
    var status = document.getElementById("live-status");
    if (status) { status.textContent = anchor.getAttribute("data-updated-text") || ""; }
    document.body.setAttribute("data-live-updated", String(Date.now()));
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (resp) { return resp.ok ? resp.text() : null; })
      .then(function (html) { if (html) { swap(html); } })
      .catch(function () { /* the next change or a reload tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  var source = new EventSource(url);
  source.addEventListener("open", function () { mark("open"); });
  source.addEventListener("error", function () {
    mark(source.readyState === EventSource.CLOSED ? "closed" : "retrying");
  });
  source.addEventListener("change", refresh);
  source.addEventListener("refresh", refresh);
  var status = document.createElement("p");
  status.id = "live-status";
  status.className = "sr-only";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  document.body.appendChild(status);
})();
