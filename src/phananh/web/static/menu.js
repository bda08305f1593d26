/* The site's header on phones: one row (the brand and a "Menu" button); the menu opens below it.
   Loaded in <head> without defer so that the page is marked before it is drawn (no flash of the open menu);
   without this script the menu is simply shown in full, as on wide screens. */
(function () {
  "use strict";
  document.documentElement.classList.add("js-menu");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("menu-btn"), header = button && button.closest("header");
    if (!button || !header) return;
    var setOpen = function (open) {
      header.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    };
    button.hidden = false;
    button.addEventListener("click", function () { setOpen(!header.classList.contains("menu-open")); });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && header.classList.contains("menu-open")) { setOpen(false); button.focus(); }
    });
    document.addEventListener("click", function (ev) {  // a tap outside the open menu closes it
      if (header.classList.contains("menu-open") && !header.contains(ev.target)) setOpen(false);
    });
  });
})();
