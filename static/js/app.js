// Small behaviours of every page, in a file because the Content-Security-Policy runs no
// inline script and no on…= attribute. Each is an extra: every page works without it.
(function () {
  "use strict";

  // <select data-submit-on-change>: choosing an option submits its form (a <noscript>
  // button beside it does the same without JavaScript).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-submit-on-change]") && select.form) {
      if (select.form.requestSubmit) select.form.requestSubmit();
      else select.form.submit();
    }
  });

  // <input data-select-on-focus>: a read-only address selected whole, ready to copy.
  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[data-select-on-focus]")) input.select();
  });
})();
