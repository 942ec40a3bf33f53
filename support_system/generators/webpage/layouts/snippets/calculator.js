/* calculator: a quantity per priced row and the total of the order.
   Markup: [data-snippet="calculator"] with data-decimals, data-prefix, data-suffix
   (the currency as the person wrote it), inputs carrying data-amount (the price in
   its smallest unit, read on the server; a row whose price could not be read has no
   input) and an <output> for the total. Elements marked data-calc are hidden until
   this runs. Integer arithmetic only, so no rounding error reaches the total. */
(function () {
  "use strict";
  var MAX_QUANTITY = 999;
  function money(total, block) {
    var decimals = Number(block.getAttribute("data-decimals")) || 0;
    var scale = Math.pow(10, decimals);
    var whole = String(Math.floor(total / scale)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var text = whole;
    if (decimals > 0) {
      text += "." + String(total % scale).padStart(decimals, "0");
    }
    return block.getAttribute("data-prefix") + text + block.getAttribute("data-suffix");
  }
  document.querySelectorAll('[data-snippet="calculator"]').forEach(function (block) {
    var inputs = Array.prototype.slice.call(block.querySelectorAll("input[data-amount]"));
    var output = block.querySelector("output");
    function update() {
      var total = 0;
      inputs.forEach(function (input) {
        var quantity = parseInt(input.value, 10);
        if (quantity > 0 && quantity <= MAX_QUANTITY) {
          total += quantity * Number(input.getAttribute("data-amount"));
        }
      });
      output.textContent = money(total, block);
    }
    block.querySelectorAll("[data-calc]").forEach(function (element) {
      element.hidden = false;
    });
    block.addEventListener("input", update);
    update();
  });
})();
