// Progressive enhancement only: everything is readable and usable without it. Written into the
// page by inline_script(); the Content-Security-Policy allows it by its hash and nothing else.
(function () {
  var copy = document.querySelector("[data-copy]");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var input = document.getElementById(copy.getAttribute("data-copy"));
      navigator.clipboard.writeText(input.value).then(function () { copy.textContent = "Link copied"; });
    });
  }
  var print = document.querySelector("[data-print]");
  if (print) { print.hidden = false; print.addEventListener("click", function () { window.print(); }); }
})();
