// Small behaviours of every page, in a file because the Content-Security-Policy runs no
// inline script and no on…= attribute. Each is an extra: every page works without it.
(function () {
  "use strict";

  // <select data-submit-on-change>: an option picked with the mouse (or a finger) submits
  // its form at once. Picked with the keyboard it does not: the arrow keys change a closed
  // select's value, and submitting on each would leave the page before the reader reaches
  // the option they want. They press the form's button beside it, which is always there.
  var pointerSelect = null;
  document.addEventListener("pointerdown", function (event) {
    var target = event.target;
    pointerSelect = target.closest ? target.closest("select[data-submit-on-change]") : null;
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.target === pointerSelect) pointerSelect = null;
  }, true);
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-submit-on-change]") && select.form &&
        select === pointerSelect) {
      if (select.form.requestSubmit) select.form.requestSubmit();
      else select.form.submit();
    }
  });

  // The error summary of an invalid form (templates/forms/error_summary.html) takes the
  // focus, so that it is read out and Tab goes on to its links; each link moves the focus to
  // its field (a group's first input) rather than only scrolling to it.
  function focusSummary(root) {
    var summary = root.querySelector && root.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }
  focusSummary(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    focusSummary(event.detail.elt || document);
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-error-summary] a[href^='#']") : null;
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var field = target.matches("input, select, textarea") ? target
      : target.querySelector("input:not([type=hidden]), select, textarea");
    if (field && field.classList.contains("tomselected") && field.tomselect) {
      field = field.tomselect.control_input;
    }
    if (field) {
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
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
