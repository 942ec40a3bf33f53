/* filter: a search box above a list hides the items that do not match.
   Markup: [data-snippet="filter"] holding .snippet-filter (hidden until this runs:
   a label, an input, a role="status" line) and the list marked data-filter-items.
   The count line is announced politely once typing pauses. */
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFKC").toLowerCase();
  }
  document.querySelectorAll('[data-snippet="filter"]').forEach(function (block) {
    var box = block.querySelector(".snippet-filter");
    var input = box.querySelector("input");
    var status = box.querySelector('[role="status"]');
    var items = Array.prototype.slice.call(block.querySelectorAll("[data-filter-items] > li"));
    var template = block.getAttribute("data-count") || "{shown}/{total}";
    var timer = 0;
    box.hidden = false;
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = fold(item.textContent);
        var match = words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
        item.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        status.textContent = template
          .replace("{shown}", String(shown))
          .replace("{total}", String(items.length));
      }, 300);
    });
  });
})();
