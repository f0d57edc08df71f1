// trendpath: "copy link" on trend pages (the link itself works without this file).
(function () {
  "use strict";
  var link = document.getElementById("share-link");
  if (!link || !navigator.clipboard) { return; }
  link.addEventListener("click", function (ev) {
    ev.preventDefault();
    navigator.clipboard.writeText(link.href).then(function () {
      link.textContent = link.getAttribute("data-copied");
      link.setAttribute("aria-live", "polite");
    });
  });
})();
