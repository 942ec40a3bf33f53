/* tabs: rows shown one at a time (WAI-ARIA tabs pattern, automatic activation).
   Markup: [data-snippet="tabs"] (aria-labelledby its heading) holding .tab-panel
   elements, each with an id and a .tab-heading. Without this script every panel
   shows one after another under its heading; with it, the headings become tabs:
   Left/Right move between them (wrapping), Home and End go to the first and last. */
(function () {
  "use strict";
  document.querySelectorAll('[data-snippet="tabs"]').forEach(function (block) {
    var panels = Array.prototype.slice.call(block.querySelectorAll(".tab-panel"));
    if (panels.length < 2) {
      return;
    }
    var list = document.createElement("div");
    list.className = "tab-list";
    list.setAttribute("role", "tablist");
    list.setAttribute("aria-labelledby", block.getAttribute("aria-labelledby"));
    var tabs = panels.map(function (panel) {
      var tab = document.createElement("button");
      tab.type = "button";
      tab.id = panel.id + "-tab";
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", panel.id);
      tab.textContent = panel.querySelector(".tab-heading").textContent;
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      panel.tabIndex = 0;
      list.appendChild(tab);
      return tab;
    });
    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var on = i === index;
        tab.setAttribute("aria-selected", on ? "true" : "false");
        tab.tabIndex = on ? 0 : -1;
        panels[i].hidden = !on;
      });
      if (focus) {
        tabs[index].focus();
      }
    }
    list.addEventListener("click", function (event) {
      var index = tabs.indexOf(event.target.closest('[role="tab"]'));
      if (index >= 0) {
        select(index, true);
      }
    });
    list.addEventListener("keydown", function (event) {
      var index = tabs.indexOf(document.activeElement);
      var last = tabs.length - 1;
      var next;
      if (index < 0) {
        return;
      }
      switch (event.key) {
        case "ArrowRight":
          next = index === last ? 0 : index + 1;
          break;
        case "ArrowLeft":
          next = index === 0 ? last : index - 1;
          break;
        case "Home":
          next = 0;
          break;
        case "End":
          next = last;
          break;
        default:
          return;
      }
      event.preventDefault();
      select(next, true);
    });
    panels[0].parentNode.insertBefore(list, panels[0]);
    block.classList.add("tabs-on");
    select(0, false);
  });
})();
