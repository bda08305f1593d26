/* Admin pages: a copy button next to a value shown once (a new API key). The button stays hidden where the
   clipboard cannot be written (no script, or not a secure context); the value can still be selected by hand. */
"use strict";
(function () {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        button.textContent = button.dataset.copied;
      } catch (err) {
        window.getSelection().selectAllChildren(source);  // refused: select it for Ctrl+C
      }
    });
  }
})();
