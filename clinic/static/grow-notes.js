/* A grid row's note shows every line typed. style.css asks for that with `field-sizing:
   content`; a browser without it (Safari and Firefox on many phones) gets the same from this
   script, which sets the note's height to its text, as it is typed and when its group opens. */
(function () {
  "use strict";
  if (window.CSS && CSS.supports && CSS.supports("field-sizing", "content")) return;
  var NOTE = ".ws-note textarea";

  function fit(note) {
    if (!note.offsetParent) return;  // in a closed group: sized when it opens
    note.style.height = "auto";
    note.style.height = note.scrollHeight + (note.offsetHeight - note.clientHeight) + "px";
  }

  function fitAll(within) {
    var notes = within.querySelectorAll(NOTE);
    for (var i = 0; i < notes.length; i++) fit(notes[i]);
  }

  fitAll(document);
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches(NOTE)) fit(event.target);
  });
  document.addEventListener("toggle", function (event) {  // toggle does not bubble
    if (event.target.open) fitAll(event.target);
  }, true);
})();
