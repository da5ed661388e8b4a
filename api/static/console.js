// The only script of the console: "select all" and a live count of the ticked orders.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("select-all");
  const out = document.getElementById("selected-count");
  const boxes = () => Array.from(document.querySelectorAll('input[name="order"][type="checkbox"]'));
  const update = () => {
    const n = boxes().filter((b) => b.checked).length;
    if (out) out.textContent = n ? `(${n})` : "";
    if (all) { all.checked = n > 0 && n === boxes().length; all.indeterminate = n > 0 && n < boxes().length; }
  };
  if (all) all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); update(); });
  boxes().forEach((b) => b.addEventListener("change", update));
  update();
});
