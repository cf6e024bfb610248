/* Leave no trail (every client page; the pages work without it).

   - Quick exit: the page hides at once, a beacon ends the session on the server, and the
     neutral site replaces this page in the history, so Back does not lead here.
   - Links between the pages of one link replace the history entry instead of adding one, so
     the link stays a single entry, and Quick exit replaces that one.
   - A page brought back from the back-forward cache is asked for again, so the server decides
     what it shows (the code page or the Continue page once the session has ended). */
(function () {
  "use strict";
  var exitForm = document.getElementById("quick-exit-form");
  var home = document.querySelector('meta[name="link-home"]');
  var base = home ? home.getAttribute("content") : null;

  function leave(event) {
    event.preventDefault();
    document.body.hidden = true;
    if (navigator.sendBeacon) navigator.sendBeacon(exitForm.getAttribute("action"));
    window.location.replace(exitForm.getAttribute("data-exit-url"));
  }

  if (exitForm) exitForm.addEventListener("submit", leave);

  function onThisLink(anchor) {
    if (!base || !anchor.href || anchor.target || anchor.hasAttribute("download")) return false;
    var url = new URL(anchor.href, window.location.href);
    return url.origin === window.location.origin &&
      (url.pathname === base || url.pathname.indexOf(base + "/") === 0);
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey) return;
    var anchor = event.target.closest ? event.target.closest("a[href]") : null;
    if (!anchor || !onThisLink(anchor)) return;
    event.preventDefault();
    window.location.replace(anchor.href);
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.body.hidden = true;
      window.location.reload();
    }
  });
})();
