// Progressive enhancement only: everything is readable and usable without it. Written into the
// page by inline_script(); the Content-Security-Policy allows it by its hash and nothing else.
// Texts come from data- attributes, so the page's language applies to them too.
(function () {
  var copy = document.querySelector("[data-copy]");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    var status = document.getElementById(copy.getAttribute("data-status"));
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
        copy.textContent = copy.getAttribute("data-copied");
        if (status) { status.textContent = copy.getAttribute("data-copied"); }
      });
    });
  }
})();
