/* Autosave for a partner's worksheet form (progressive enhancement: the form works without it).

   Posts the whole form to the JSON endpoint a moment after typing stops, and when the page is
   hidden. Each item carries a "base" fingerprint of the answer it started from; the server
   merges per item (and part by part, e.g. an agreement's fields) and answers 409 when the same
   part was changed elsewhere; this script then shows both versions and waits for the partner
   to choose which one to keep (buttons of the form itself, so no script decides). Nothing is kept in the
   browser's storage: a shared phone must not hold answers. */
(function () {
  "use strict";
  var form = document.getElementById("worksheet-form");
  if (!form || !form.getAttribute("data-autosave-url") || !window.fetch || !window.FormData) return;

  var url = form.getAttribute("data-autosave-url");
  var statusLine = document.getElementById("save-status");
  var conflicts = document.getElementById("conflicts") || document.createElement("div");
  var DELAY_MS = 1200;
  var RETRY_MS = 10000;
  var timer = null;
  var inFlight = false;
  var again = false;
  var dirty = false;
  var paused = false;
  var csrfRetried = false;
  var pendingSubmit = null;
  var leaving = false;

  // The page's words for each state, in its language (data-say-* on the form).
  function words(name, fallback) {
    return form.getAttribute("data-say-" + name) || fallback;
  }

  function progressText(answered, total) {
    return words("progress", "%(answered)s of %(total)s answered")
      .replace("%(answered)s", answered).replace("%(total)s", total);
  }

  function say(text, kind) {
    statusLine.textContent = text;
    statusLine.setAttribute("data-kind", kind || "");
  }

  // A page shown after a conflict (without this script's help) waits for the partner's choice.
  if (document.getElementById("conflicts-panel")) {
    paused = true;
    var jsOnly = conflicts.querySelectorAll(".js-only");
    for (var j = 0; j < jsOnly.length; j++) jsOnly[j].hidden = false;
  } else {
    say(words("autosaving", "Your answers are saved as you go."));  // only now is that true
  }

  function input(name) {
    return form.querySelector('input[type=hidden][name="' + name.replace(/"/g, "") + '"]');
  }

  function schedule(delay) {
    dirty = true;
    if (paused) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(save, delay === undefined ? DELAY_MS : delay);
  }

  function formBody() {
    return new URLSearchParams(new FormData(form));
  }

  function showItemErrors(errors) {
    var old = form.querySelectorAll("[data-autosave-error]");
    for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
    Object.keys(errors || {}).forEach(function (itemId) {
      var item = document.getElementById("ws-item-" + itemId);
      if (!item) return;
      var p = document.createElement("p");
      p.className = "error";
      p.setAttribute("data-autosave-error", "");
      p.textContent = errors[itemId];
      item.appendChild(p);
    });
  }

  function showProgress(data) {
    if (typeof data.answered !== "number") return;
    document.getElementById("progress-text").textContent = progressText(data.answered, data.total);
    var bar = document.getElementById("progress-bar");
    bar.value = data.answered;
    bar.max = data.total;
    var copies = form.querySelectorAll("[data-progress]");
    for (var i = 0; i < copies.length; i++) {
      copies[i].textContent = progressText(data.answered, data.total);
    }
  }

  // A grid row: a firm limit does not go with Yes, so picking Yes clears the (hidden) box;
  // and the count on the row's group follows its answers.
  function gridRowChanged(target) {
    var row = target.closest && target.closest(".ws-grid-row");
    if (!row) return;
    if (target.type === "radio" && target.value === "yes" && target.checked) {
      var firm = row.querySelector(".ws-nn input");
      if (firm) firm.checked = false;
    }
    var group = row.closest(".ws-grid-group");
    var count = group && group.querySelector(".ws-group-count");
    if (!count) return;
    var rows = group.querySelectorAll(".ws-grid-row");
    var answered = group.querySelectorAll(".ws-grid-row .ws-grid-answers input:checked").length;
    count.textContent = progressText(answered, rows.length);
  }

  function setBases(bases) {
    Object.keys(bases || {}).forEach(function (itemId) {
      var field = input("base." + itemId);
      if (field) field.value = bases[itemId];
    });
  }

  function handle(status, data) {
    if (data.csrf_token) input("csrf_token").value = data.csrf_token;
    if (typeof data.revision === "number") input("revision").value = data.revision;
    if (status === 200) {
      csrfRetried = false;
      setBases(data.bases);
      showProgress(data);
      showItemErrors(data.errors);
      var time = data.saved_at || new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      say(data.message + " (" + time + ")", data.errors && Object.keys(data.errors).length ? "error" : "ok");
      return;
    }
    if (status === 409 && data.conflict_html) {
      setBases(data.bases);
      showProgress(data);
      paused = true;
      conflicts.innerHTML = data.conflict_html;
      var hiddenButtons = conflicts.querySelectorAll(".js-only");
      for (var i = 0; i < hiddenButtons.length; i++) hiddenButtons[i].hidden = false;
      say(data.message, "error");
      var panel = document.getElementById("conflicts-panel");
      if (panel) panel.focus();
      return;
    }
    if (status === 400 && data.status === "expired" && !csrfRetried) {
      csrfRetried = true;
      schedule(0);
      return;
    }
    if (status === 401 || status === 403 || status === 404) paused = true;  // 401: the session ended
    dirty = true;
    say(data.message || words("not-saved", "Not saved yet. Your text is still here: please press Save."), "error");
    if (status === 429 || status >= 500) window.setTimeout(function () { schedule(0); }, RETRY_MS);
  }

  function save(keepalive) {
    if (inFlight) {
      again = true;
      return;
    }
    window.clearTimeout(timer);
    inFlight = true;
    dirty = false;
    say(words("saving", "Saving…"));
    fetch(url, {
      method: "POST",
      body: formBody(),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      keepalive: keepalive === true
    })
      .then(function (response) {
        return response.json().then(
          function (data) { handle(response.status, data); },
          function () { handle(response.status, {}); }
        );
      }, function () {
        dirty = true;
        say(words("offline", "Not saved yet: no connection. Your text is still here; saving will be tried again."), "error");
        window.setTimeout(function () { if (dirty) schedule(0); }, RETRY_MS);
      })
      .then(function () {
        inFlight = false;
        if (pendingSubmit) {
          var submitter = pendingSubmit;
          pendingSubmit = null;
          submitForm(submitter);
        } else if (again) {
          again = false;
          save();
        }
      });
  }

  function submitForm(submitter) {
    if (form.requestSubmit) {
      form.requestSubmit(submitter);
      return;
    }
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = submitter.name;
    action.value = submitter.value;
    form.appendChild(action);
    form.submit();
  }

  form.addEventListener("input", function () { schedule(); });
  form.addEventListener("change", function (event) {
    gridRowChanged(event.target);
    schedule();
  });
  form.addEventListener("submit", function (event) {
    window.clearTimeout(timer);
    if (inFlight) {
      // Let the running save finish first, so the form carries the newest fingerprints.
      event.preventDefault();
      pendingSubmit = event.submitter || form.querySelector("button[type=submit]");
    } else {
      leaving = true;  // the form itself carries every change now
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && !paused && !leaving) save(true);
  });

  // Text typed while the page was still loading (typed-early.js) is saved too.
  if (window.tandemTypedEarly && Array.prototype.some.call(form.elements, window.tandemTypedEarly)) schedule();

  conflicts.addEventListener("click", function (event) {
    var target = event.target;
    var itemId = target.getAttribute("data-use-theirs");
    if (itemId) {
      var field = document.getElementById("f.a." + itemId);
      var theirs = document.getElementById("theirs-" + itemId);
      if (field && theirs) {
        field.value = theirs.value;
        field.focus();
      }
      return;
    }
  });
})();
