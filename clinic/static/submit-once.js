// A double click sends a therapist's form once: the second submit of a page is ignored.
// Buttons are not disabled (a disabled button's name and value would not be sent). Forms that
// answer with a download, and so leave the page where it is, are marked data-repeatable.
(function () {
  "use strict";
  if (!document.body.classList.contains("therapist")) return;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method !== "post" || form.hasAttribute("data-repeatable")) return;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
  });
  // A page brought back by the browser's back button can be used again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
    });
  });
})();
