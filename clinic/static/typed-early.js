/* Whether a form field differs from what the page arrived with.

   Text typed (or a choice picked) on a slow phone while the page was still loading fired its
   events before the page's own script listened for them; client.js and builder.js ask this
   once they run, so such changes are saved like any other. */
window.tandemTypedEarly = function (field) {
  if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
  if (field.tagName === "SELECT") {
    return Array.prototype.some.call(field.options, function (option) {
      return option.selected !== option.defaultSelected;
    });
  }
  return field.type !== "hidden" && "defaultValue" in field && field.value !== field.defaultValue;
};
