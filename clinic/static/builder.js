// Worksheet builder autosave. The builder works as plain forms without this file; with it,
// what is typed is saved as the draft a moment after typing stops, and the phone preview and
// the reading level are refreshed. Structure buttons (add, move, remove) still post the form.
(function () {
  "use strict";
  var form = document.getElementById("builder-form");
  if (!form || !window.fetch || !window.FormData || !window.DOMParser) return;
  var status = document.getElementById("autosave-status");
  var frame = document.getElementById("preview-frame");
  var timer = null;
  var busy = false;
  var again = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  function refresh(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = page.getElementById("reading-level");
    var here = document.getElementById("reading-level");
    if (fresh && here) here.replaceWith(fresh);
    if (frame && frame.contentWindow) frame.contentWindow.location.reload();
  }

  function save() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    var data = new FormData(form);
    data.set("action", "save");
    say("Saving the draft…");
    // getAttribute: the buttons are named "action", which form.action would return.
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        refresh(html);
        say("Draft saved.");
      })
      .catch(function () {
        say("The draft is not saved yet. Press “Save draft” to try again.");
      })
      .finally(function () {
        busy = false;
        if (again) {
          again = false;
          save();
        }
      });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 1200);
  });
  // A pressed button posts everything itself; no later autosave may overwrite what it did.
  form.addEventListener("submit", function () {
    clearTimeout(timer);
  });
})();
