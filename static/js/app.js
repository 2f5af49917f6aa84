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

  // A boosted form (hx-boost) answered with an error page (a refused step's 409, a form
  // error's 400, the 403 of an expired form, 413, 500): show that page, as the browser would
  // have without htmx. htmx's default is to ignore 4xx and 5xx answers, which would leave
  // the user looking at the form as if nothing had happened.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.boosted && event.detail.xhr.status >= 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
