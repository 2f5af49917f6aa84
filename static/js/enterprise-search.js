// A search box above each multiple enterprise select (data-enterprise-search holds the
// autocomplete URL): typing asks the server and adds the matches as options; chosen options
// stay chosen. Without JavaScript the select works as it is.
(function () {
  "use strict";
  function enhance(select) {
    var placeholder = select.getAttribute("data-search-placeholder") || "";
    var url = select.getAttribute("data-enterprise-search");
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-search";
    box.placeholder = placeholder;
    box.setAttribute("aria-label", placeholder);
    select.parentNode.insertBefore(box, select);
    var timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = box.value.trim();
        if (!q) return;
        fetch(url + "?q=" + encodeURIComponent(q), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            Array.prototype.slice.call(select.options).forEach(function (opt) {
              if (!opt.selected) opt.remove();
            });
            var have = {};
            Array.prototype.forEach.call(select.options, function (opt) { have[opt.value] = true; });
            data.results.forEach(function (item) {
              if (have[String(item.id)]) return;
              var opt = document.createElement("option");
              opt.value = item.id;
              opt.textContent = item.text;
              select.appendChild(opt);
            });
          });
      }, 200);
    });
  }
  document.querySelectorAll("select[data-enterprise-search]").forEach(enhance);
})();
