// Suggest the browser's own time zone on the settings page until one is chosen.
(function () {
  "use strict";
  var form = document.querySelector("form[data-suggest]");
  if (!form) return;
  var select = form.querySelector("select");
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!select || select.value || !zone) return;
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === zone) {
      select.value = zone;
      var hint = document.getElementById("zone-suggested");
      if (hint) hint.hidden = false;
      return;
    }
  }
})();
