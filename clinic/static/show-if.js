/* Conditional questions (show_if): hide a question or section until an earlier answer meets
   its condition. Progressive enhancement: without this script every question shows with a
   line saying when to answer it, and the server ignores answers to hidden questions. Inputs of
   a hidden question are disabled, so they are neither sent nor required. */
(function () {
  "use strict";
  var form = document.getElementById("worksheet-form") || document.querySelector(".ws-form");
  if (!form) return;
  var parts = form.querySelectorAll("[data-show-if]");
  if (!parts.length) return;
  var locked = form.querySelectorAll("[data-show-if] :disabled");  // a closed form stays closed
  for (var k = 0; k < locked.length; k++) locked[k].setAttribute("data-locked", "");

  function shown(el) {
    for (var node = el; node && node !== form; node = node.parentElement) {
      if (node.hidden) return false;
    }
    return true;
  }

  function valuesOf(itemId) {
    var out = [];
    var inputs = form.querySelectorAll('[name="a.' + itemId.replace(/"/g, "") + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (!shown(input) || input.disabled) continue;
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) continue;
      if (input.value !== "") out.push(input.value);
    }
    return out;
  }

  function meets(condition) {
    var values = valuesOf(condition.item);
    if (!values.length) return false;
    if ("equals" in condition) return values.indexOf(String(condition.equals)) >= 0;
    if ("not_equals" in condition) return values.indexOf(String(condition.not_equals)) < 0;
    if ("any_of" in condition) {
      return condition.any_of.some(function (v) { return values.indexOf(String(v)) >= 0; });
    }
    if ("greater_than" in condition) return Number(values[0]) > condition.greater_than;
    if ("less_than" in condition) return Number(values[0]) < condition.less_than;
    return false;
  }

  function update() {
    // In document order: a question only tests earlier ones, so one pass settles everything.
    for (var i = 0; i < parts.length; i++) {
      var rule = JSON.parse(parts[i].getAttribute("data-show-if"));
      var met = shown(parts[i].parentElement) && (rule.all ? rule.all.every(meets) : rule.any.some(meets));
      parts[i].hidden = !met;
      var controls = parts[i].querySelectorAll("input, select, textarea, button");
      for (var j = 0; j < controls.length; j++) {
        controls[j].disabled = !met || controls[j].hasAttribute("data-locked");
      }
    }
  }

  var notes = form.querySelectorAll(".ws-show-if");
  for (var n = 0; n < notes.length; n++) notes[n].hidden = true;
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();
