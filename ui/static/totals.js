// #18 Computed totals on a document form: the goods lines' total (sum of totalPrice) and the head amounts it makes
// (goodsValue; an order's acturalPaid = goodsValue + freight + taxTotal - discount), recomputed as the lines and
// amounts are typed, beside the declared values (engine/customs/printing.py computes the same on the server).
// A script file, not inline: the CSP forbids inline scripts.
(function () {
  const box = document.querySelector("#totals[data-live]");
  const form = box ? box.closest("form") : null;
  if (!box || !form) { return; }
  const SCALE = 10000; // amounts have at most 4 decimals: add them as integers to avoid binary fractions
  const parse = function (text) {
    const value = String(text || "").trim();
    return /^-?\d+(\.\d{1,4})?$/.test(value) ? Math.round(Number(value) * SCALE) : null;
  };
  const show = function (scaled) {
    if (scaled === null) { return ""; }
    return (scaled / SCALE).toFixed(4).replace(/\.?0+$/, "");
  };
  const head = function (name) {
    const input = form.querySelector("input[name='" + name + "']");
    return input ? parse(input.value) : null;
  };
  const linesTotal = function () {
    let sum = 0;
    let any = false;
    form.querySelectorAll("table.lines input[data-name='totalPrice']").forEach(function (input) {
      const value = parse(input.value);
      if (value !== null) { sum += value; any = true; }
    });
    return any ? sum : null;
  };
  const compare = function (name, computed) {
    const cell = document.getElementById("computed-" + name);
    if (!cell) { return; }
    const declared = head(name);
    const input = form.querySelector("input[name='" + name + "']");
    cell.textContent = show(computed);
    document.getElementById("declared-" + name).textContent = input ? input.value : "";
    const check = document.getElementById("check-" + name);
    const known = computed !== null && declared !== null;
    check.textContent = known ? (computed === declared ? check.dataset.agreesText : check.dataset.differsText) : "";
    check.classList.toggle("mismatch", known && computed !== declared);
  };
  const recompute = function () {
    const total = linesTotal();
    document.getElementById("lines-total").textContent = show(total);
    compare("goodsValue", total);
    const parts = ["goodsValue", "freight", "taxTotal", "discount"].map(head);
    const paid = parts.every(function (p) { return p !== null; }) ? parts[0] + parts[1] + parts[2] - parts[3] : null;
    compare("acturalPaid", paid);
  };
  form.addEventListener("input", recompute);
  form.addEventListener("click", function () { window.setTimeout(recompute, 0); }); // a line added or removed
  recompute();
})();
