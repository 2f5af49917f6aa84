// Enterprise picker: adds a search box above each enterprise <select>. The select keeps
// working without JavaScript; with it, typing asks /autocomplete/enterprises/ and offers
// the matches in the select, keeping the current choice.
(function () {
  "use strict";
  function enhance(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-search";
    box.placeholder = select.getAttribute("data-search-placeholder") || "🔍";
    box.setAttribute("aria-label", box.placeholder);
    select.parentNode.insertBefore(box, select);
    var timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = box.value.trim();
        if (q.length < 1) return;
        fetch("/autocomplete/enterprises/?q=" + encodeURIComponent(q), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            var keep = select.value;
            Array.prototype.slice.call(select.options).forEach(function (opt) {
              if (opt.value && opt.value !== keep) opt.remove();
            });
            data.results.forEach(function (item) {
              if (String(item.id) === keep) return;
              var opt = document.createElement("option");
              opt.value = item.id;
              opt.textContent = item.text;
              select.appendChild(opt);
            });
            if (data.results.length && !keep) select.value = String(data.results[0].id);
          });
      }, 200);
    });
  }
  document.querySelectorAll("select[name=enterprise]").forEach(enhance);
})();
