// Worksheet builder autosave. The builder works as plain forms without this file; with it,
// what is typed is saved as the draft a moment after typing stops, the problems beside each
// field, the list of problems, the reading level and the phone preview are refreshed, and a
// status line (aria-live) says "Draft saved" and how many problems are left.
//
// Every save names the draft revision the page shows and the fields typed since the last
// save that landed ("dirty"), so the server can tell a save from an older page: it merges
// those fields into newer work or refuses, and nothing typed is lost (builder/service.store).
(function () {
  "use strict";
  var form = document.getElementById("builder-form");
  if (!form || !window.fetch || !window.FormData || !window.DOMParser) return;
  var status = document.getElementById("autosave-status");
  var frame = document.getElementById("preview-frame");
  var revision = document.getElementById("b-revision");
  var answersData = document.getElementById("b-answers");
  var answers = {};
  try {
    answers = JSON.parse(answersData ? answersData.textContent : "{}");
  } catch (e) {
    answers = {};
  }
  var timer = null;
  var busy = false;
  var again = false;
  var stale = false;
  var dirty = {}; // field name -> how often it changed; a save clears what it carried
  var sending = {};

  function say(text) {
    if (status) status.textContent = text;
  }

  function names(map) {
    return Object.keys(map).filter(function (name) {
      return map[name];
    });
  }

  function typedSinceSave() {
    var all = {};
    names(dirty).concat(names(sending)).forEach(function (name) {
      all[name] = true;
    });
    return Object.keys(all).join(",");
  }

  function showProblems(reply) {
    form.querySelectorAll(".b-errors").forEach(function (box) {
      box.textContent = "";
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    form.querySelectorAll(".field.has-error").forEach(function (el) {
      el.classList.remove("has-error");
    });
    reply.problems.forEach(function (problem) {
      var box = document.getElementById(problem.id + "-errors");
      var control = document.getElementById(problem.id);
      if (box) {
        problem.messages.forEach(function (message) {
          var p = document.createElement("p");
          p.className = "error";
          p.textContent = message;
          box.appendChild(p);
        });
      }
      if (control && /^(INPUT|SELECT|TEXTAREA)$/.test(control.tagName)) {
        control.setAttribute("aria-invalid", "true");
      }
      var field = box && box.closest(".field");
      if (field) field.classList.add("has-error");
    });
    var region = document.getElementById("problems");
    var list = document.getElementById("problems-list");
    var count = document.getElementById("problems-count");
    if (!region || !list) return;
    list.textContent = "";
    reply.problems.forEach(function (problem) {
      problem.messages.forEach(function (message) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "#" + problem.id;
        a.textContent = problem.where;
        li.appendChild(a);
        li.appendChild(document.createTextNode(": " + message));
        list.appendChild(li);
      });
    });
    if (count) count.textContent = String(reply.count);
    region.hidden = reply.count === 0;
  }

  function showReading(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("reading-level");
    var here = document.getElementById("reading-level");
    if (fresh && here) here.replaceWith(document.importNode(fresh, true));
  }

  // An answer list follows the question picked beside it (alert rules, show_if conditions).
  function fillAnswers(question) {
    var choices = answers[question.value] || [];
    form.querySelectorAll('[data-answers-of="' + question.name + '"]').forEach(function (el) {
      if (el.tagName === "SELECT") {
        var keep = el.options[0];
        el.textContent = "";
        el.appendChild(keep);
        choices.forEach(function (choice) {
          el.appendChild(new Option(choice[1], String(choice[0])));
        });
        return;
      }
      var box = el.querySelector(".b-choices");
      if (!box) return;
      box.textContent = "";
      choices.forEach(function (choice) {
        var value = String(choice[0]);
        var span = document.createElement("span");
        span.className = "b-pick";
        var input = document.createElement("input");
        input.type = "checkbox";
        input.name = el.getAttribute("data-name");
        input.value = value;
        input.id = el.id + "-" + value;
        var label = document.createElement("label");
        label.htmlFor = input.id;
        label.textContent = choice[1];
        span.appendChild(input);
        span.appendChild(label);
        box.appendChild(span);
      });
      dirty[el.getAttribute("data-name")] = (dirty[el.getAttribute("data-name")] || 0) + 1;
    });
  }

  function save() {
    if (stale) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    sending = dirty;
    dirty = {};
    var data = new FormData(form);
    data.set("action", "save");
    data.set("dirty", names(sending).join(","));
    say(status.getAttribute("data-saving") || "…");
    // getAttribute: the buttons are named "action", which form.action would return.
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(
          function (reply) {
            return { ok: response.ok, status: response.status, reply: reply };
          },
          function () {
            return { ok: false, status: response.status, reply: null };
          }
        );
      })
      .then(function (result) {
        if (result.status === 409 && result.reply) {
          stale = true; // newer work is on the server; this page keeps its typing
          say(result.reply.message);
          return;
        }
        if (!result.ok || !result.reply) throw new Error(String(result.status));
        var reply = result.reply;
        sending = {};
        if (revision) revision.value = String(reply.revision);
        answers = reply.answers || answers;
        showProblems(reply);
        showReading(reply.reading);
        if (frame && frame.contentWindow) frame.contentWindow.location.reload();
        say(reply.message);
      })
      .catch(function () {
        names(sending).forEach(function (name) {
          dirty[name] = (dirty[name] || 0) + 1;
        });
        sending = {};
        say(status.getAttribute("data-failed") || "");
      })
      .finally(function () {
        busy = false;
        if (again) {
          again = false;
          save();
        }
      });
  }

  function changed(event) {
    var target = event.target;
    if (!target || !target.name || target.name === "action") return;
    if (/\.new_type$/.test(target.name)) return; // only picks what a button adds
    dirty[target.name] = (dirty[target.name] || 0) + 1;
    if (target.hasAttribute("data-question-pick")) fillAnswers(target);
    clearTimeout(timer);
    timer = setTimeout(save, event.type === "change" ? 300 : 1200);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", function (event) {
    var tag = event.target && event.target.tagName;
    if (tag === "SELECT" || event.target.type === "checkbox") changed(event);
  });
  // What was changed while the page was still loading (typed-early.js) counts as typed, and a
  // question picked for an alert rule then shows its answers.
  Array.prototype.forEach.call(form.elements, function (field) {
    if (!field.name || field.name === "action" || /\.new_type$/.test(field.name)) return;
    if (!window.tandemTypedEarly || !window.tandemTypedEarly(field)) return;
    dirty[field.name] = (dirty[field.name] || 0) + 1;
    if (field.hasAttribute("data-question-pick")) fillAnswers(field);
  });
  if (names(dirty).length) timer = setTimeout(save, 300);

  // A pressed button posts everything itself, with the fields typed since the last save
  // that landed, so that a save still on its way cannot undo what the button does.
  form.addEventListener("submit", function () {
    clearTimeout(timer);
    var field = form.querySelector('input[name="dirty"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "dirty";
      form.appendChild(field);
    }
    field.value = typedSinceSave();
  });

  // After a button, focus lands where it acted: the new entry's first field, or the moved
  // entry's move button (so it can be pressed again), or what took a removed entry's place.
  // The browser scrolls to the page's #fragment once it has loaded, which resets focus; so
  // focus is moved after that.
  function land() {
    var landing = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (!landing) return;
    // In an entry, its first field that is not a reference name: the question, the label.
    var first = null;
    if (landing.tagName === "FIELDSET") {
      var controls = landing.querySelectorAll("input:not([type=hidden]), select, textarea");
      first =
        Array.prototype.filter.call(controls, function (el) {
          return !/\.(id|value)$/.test(el.name);
        })[0] ||
        controls[0] ||
        null;
    }
    (first || landing).focus();
  }
  window.addEventListener("load", function () {
    setTimeout(land, 0);
  });
})();
