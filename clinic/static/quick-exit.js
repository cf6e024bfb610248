/* Quick exit: leave for a neutral site and replace this page in the browser history, so the
   back button does not lead here. Without JavaScript the link still goes to the same site. */
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  if (!exit) return;
  exit.addEventListener("click", function (event) {
    event.preventDefault();
    document.body.hidden = true;
    window.location.replace(exit.href);
  });
})();
