// Review screen: field <-> evidence span linking and keyboard shortcuts.
(function () {
  const cards = () => Array.from(document.querySelectorAll(".field"));
  let selected = null;

  function marksFor(path) {
    return Array.from(document.querySelectorAll("mark[data-fields]"))
      .filter((m) => m.dataset.fields.split(" ").includes(path));
  }

  function select(card, scrollText = true) {
    if (!card) return;
    document.querySelectorAll(".field.selected").forEach((c) => c.classList.remove("selected"));
    document.querySelectorAll("mark.active").forEach((m) => m.classList.remove("active"));
    selected = card;
    card.classList.add("selected");
    card.scrollIntoView({ block: "nearest" });
    const marks = marksFor(card.dataset.field);
    marks.forEach((m) => m.classList.add("active"));
    if (scrollText && marks.length) marks[0].scrollIntoView({ block: "center" });
  }

  function byField(path) {
    return cards().find((c) => c.dataset.field === path);
  }

  document.addEventListener("click", (event) => {
    const mark = event.target.closest("mark[data-fields]");
    if (mark) { select(byField(mark.dataset.fields.split(" ")[0]), false); return; }
    const link = event.target.closest("[data-select]");
    if (link) { event.preventDefault(); select(byField(link.dataset.select)); return; }
    const candidate = event.target.closest(".candidate");
    if (candidate) {
      const form = candidate.closest(".field").querySelector("form.decide");
      form.querySelector(".value-input").value = candidate.dataset.value;
      form.querySelector("[name=start]").value = candidate.dataset.start;
      form.querySelector("[name=end]").value = candidate.dataset.end;
      form.querySelector("button.edit").click();
      return;
    }
    const card = event.target.closest(".field");
    if (card && !event.target.closest("input, button, form")) select(card);
  });

  document.addEventListener("keydown", (event) => {
    const typing = event.target.matches("input, textarea");
    if (typing) {
      if (event.key === "Enter" && event.target.classList.contains("value-input")) {
        event.preventDefault();
        event.target.closest("form").querySelector("button.edit").click();
      }
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const list = cards();
    const index = selected ? list.indexOf(selected) : -1;
    const button = (selector) => selected && selected.querySelector(selector);
    if (event.key === "j") select(list[Math.min(index + 1, list.length - 1)]);
    else if (event.key === "k") select(list[Math.max(index - 1, 0)]);
    else if (event.key === "a" && button("button.accept")) button("button.accept").click();
    else if (event.key === "n" && button("button.not-in-report")) button("button.not-in-report").click();
    else if (event.key === "e" && button(".value-input")) { event.preventDefault(); button(".value-input").focus(); button(".value-input").select(); }
    else if (/^[1-9]$/.test(event.key) && selected) {
      const candidates = selected.querySelectorAll(".candidate");
      const pick = candidates[Number(event.key) - 1];
      if (pick) pick.click();
    } else return;
    event.preventDefault();
  });

  // After a decision, keep the decided card selected and move on to the next flagged one.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const card = event.detail.target.closest ? event.detail.target : null;
    const path = card && card.dataset ? card.dataset.field : null;
    const fresh = path ? byField(path) : null;
    const list = cards();
    const next = fresh ? list.slice(list.indexOf(fresh) + 1).find((c) => c.classList.contains("flagged")) : null;
    select(next || fresh, true);
  });

  const first = cards().find((c) => c.classList.contains("flagged")) || cards()[0];
  select(first, false);
})();
