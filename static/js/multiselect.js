// Searchable multiple choices: each <select multiple data-multiselect> (roundtable.lib.forms.
// SearchableSelectMultiple) becomes a list of the chosen items with a search box (tom-select,
// static/vendor/tom-select/): type to filter, Enter or a click adds, Backspace or an item's ×
// removes; no Ctrl-click. data-search-url asks the server for matches as they are typed (the
// enterprises, too many to list). Without JavaScript the native select works as it is; the
// form still submits the native select, which tom-select keeps in step.
(function () {
  "use strict";
  if (typeof window.TomSelect !== "function") return;

  function text(tag, className, content) {
    var element = document.createElement(tag);
    element.className = className;
    element.textContent = content;
    return element;
  }

  function enhance(select) {
    var url = select.getAttribute("data-search-url");
    var noResults = select.getAttribute("data-no-results") || "";
    var settings = {
      plugins: {
        remove_button: { title: select.getAttribute("data-remove-label") || "×" }
      },
      placeholder: select.getAttribute("data-placeholder") || "",
      hidePlaceholder: false,
      closeAfterSelect: false,
      maxOptions: 200,
      render: {
        no_results: function () { return text("div", "no-results", noResults); }
      }
    };
    if (url) {
      settings.valueField = "value";
      settings.labelField = "text";
      settings.searchField = ["text"];
      settings.shouldLoad = function (query) { return query.trim().length > 0; };
      settings.load = function (query, callback) {
        fetch(url + "?q=" + encodeURIComponent(query.trim()), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            callback(data.results.map(function (item) {
              return { value: String(item.id), text: item.text };
            }));
          })
          .catch(function () { callback(); });
      };
    }
    var control = new window.TomSelect(select, settings);
    // tom-select points the field's <label> at its search box; the native select it keeps
    // (hidden, submitted with the form) keeps the same name for assistive technology.
    var label = document.querySelector('label[for="' + control.control_input.id + '"]');
    if (label) {
      if (!label.id) label.id = select.id + "-label";
      select.setAttribute("aria-labelledby", label.id);
    }
  }

  document.querySelectorAll("select[multiple][data-multiselect]").forEach(enhance);
})();
