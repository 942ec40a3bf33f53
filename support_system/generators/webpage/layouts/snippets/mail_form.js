/* mail_form: name, subject and message open the visitor's mail program.
   Markup: form[data-snippet="mail_form"] with data-mailto (mailto:address), fields
   named name, subject and message; hidden until this runs (the address itself is
   on the page as a link). Nothing is sent from the page: the mail program opens
   with the subject and body filled in, and the visitor sends it from there. */
(function () {
  "use strict";
  function field(form, name) {
    return form.elements.namedItem(name).value.trim();
  }
  document.querySelectorAll('[data-snippet="mail_form"]').forEach(function (form) {
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var name = field(form, "name");
      var body = field(form, "message") + (name ? "\n\n" + name : "");
      var link = document.createElement("a");
      link.hidden = true;
      link.href =
        form.getAttribute("data-mailto") +
        "?subject=" + encodeURIComponent(field(form, "subject")) +
        "&body=" + encodeURIComponent(body.replace(/\r?\n/g, "\r\n"));
      form.appendChild(link);
      link.click();
      form.removeChild(link);
    });
  });
})();
