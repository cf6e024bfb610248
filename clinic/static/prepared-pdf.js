/* The "preparing your PDF" page: look again every few seconds and, once the PDF is ready (or
   failed), show what the page says then. Without JavaScript, the "Check again" link does it.
   No meta refresh: reloading the whole page would pull a screen reader back to the top. */
(function () {
  "use strict";
  var status = document.querySelector("[data-poll]");
  if (!status || !window.fetch || !window.DOMParser) {
    return;
  }
  var url = status.getAttribute("data-poll");
  var every = parseInt(status.getAttribute("data-every"), 10) || 3000;
  var look = function () {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(status.id);
        if (fresh && !fresh.hasAttribute("data-poll")) {
          status.innerHTML = fresh.innerHTML; // the ready or failed message, announced (aria-live)
        } else {
          window.setTimeout(look, every);
        }
      })
      .catch(function () { window.setTimeout(look, every); });
  };
  window.setTimeout(look, every);
})();
