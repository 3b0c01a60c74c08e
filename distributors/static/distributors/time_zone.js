// Offer the browser's time zone in place of the suggested one: the field is
// named by the script tag's data-field (a form shown for the first time).
(function () {
  var script = document.currentScript;
  var field = script && document.getElementById(script.dataset.field);
  if (!field) return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && field.querySelector('option[value="' + CSS.escape(zone) + '"]')) field.value = zone;
  } catch (e) {}
})();
