// Review screen: field <-> evidence span linking, text selection as a value, keyboard
// shortcuts, error messages, the ? overlay.
(function () {
  const cards = () => Array.from(document.querySelectorAll(".field"));
  const text = document.getElementById("text");
  let selected = null;
  let lastCell = null; // the list cell input last focused (selection fills it)
  let lastSelection = null; // {start, end, quote} of the last selection in the text

  function toast(message) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 5000);
  }

  function marksFor(path) {
    return Array.from(document.querySelectorAll("mark[data-fields]"))
      .filter((m) => m.dataset.fields.split(" ").includes(path));
  }

  // The selected field's boxes on the scanned pages, shown and scrolled to.
  function markPages(path) {
    document.querySelectorAll(".pagebox.active").forEach((b) => b.classList.remove("active"));
    const boxes = Array.from(document.querySelectorAll(".pagebox[data-fields]"))
      .filter((b) => b.dataset.fields.split(" ").includes(path));
    boxes.forEach((b) => b.classList.add("active"));
    if (boxes.length) boxes[0].scrollIntoView({ block: "center" });
  }

  function select(card, scrollText = true) {
    if (!card) return;
    document.querySelectorAll(".field.selected").forEach((c) => c.classList.remove("selected"));
    document.querySelectorAll("mark.active").forEach((m) => m.classList.remove("active"));
    markPages(card.dataset.field);
    if (selected !== card) lastCell = null;
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

  // The selection inside the report text as offsets into the normalized text.
  function textSelection() {
    const chosen = window.getSelection();
    if (!text || !chosen || chosen.rangeCount === 0 || chosen.isCollapsed) return null;
    const range = chosen.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return null;
    const before = document.createRange();
    before.setStart(text, 0);
    before.setEnd(range.startContainer, range.startOffset);
    const start = before.toString().length;
    const quote = range.toString();
    if (!quote.trim()) return null;
    // trim white space at either end, keeping the offsets exact
    const lead = quote.length - quote.trimStart().length;
    const trimmed = quote.trim();
    return { start: start + lead, end: start + lead + trimmed.length, quote: trimmed };
  }

  document.addEventListener("selectionchange", () => {
    const found = textSelection();
    if (found) lastSelection = found;
  });

  function useSelection() {
    const found = textSelection() || lastSelection;
    if (!found) { toast("请先在左侧原文中选中文字"); return; }
    if (!selected) { toast("请先选一个字段"); return; }
    if (lastCell && selected.contains(lastCell)) {
      lastCell.value = found.quote;
      const form = document.getElementById(lastCell.getAttribute("form"));
      form.querySelector("[name=start]").value = found.start;
      form.querySelector("[name=end]").value = found.end;
      lastCell.focus();
      return;
    }
    const form = selected.querySelector("form.decide");
    const input = form && form.querySelector(".value-input");
    if (!input) { toast("列表请先点选一个单元格，再用所选文字"); return; }
    input.value = found.quote;
    form.querySelector("[name=start]").value = found.start;
    form.querySelector("[name=end]").value = found.end;
    form.querySelector("button.edit").click();
    window.getSelection().removeAllRanges();
    lastSelection = null;
  }

  function toggleHelp(show) {
    const help = document.getElementById("help");
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  document.addEventListener("focusin", (event) => {
    if (event.target.matches("input.cell")) {
      lastCell = event.target;
      const card = event.target.closest(".field");
      if (card !== selected) { select(card, false); lastCell = event.target; }
    }
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-help]")) { toggleHelp(); return; }
    if (event.target.closest("#help")) { toggleHelp(false); return; }
    if (event.target.closest(".use-selection")) { useSelection(); return; }
    const mark = event.target.closest("mark[data-fields]");
    if (mark && window.getSelection().isCollapsed) {
      select(byField(mark.dataset.fields.split(" ")[0]), false);
      return;
    }
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
    if (card && !event.target.closest("input, button, form, summary")) select(card);
  });

  document.addEventListener("keydown", (event) => {
    const typing = event.target.matches("input, textarea, select");
    if (typing) {
      if (event.key === "Enter" && event.target.classList.contains("value-input")) {
        event.preventDefault();
        event.target.closest("form").querySelector("button.edit").click();
      }
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const list = cards();
    const index = selected ? list.indexOf(selected) : -1;
    const button = (selector) => selected && selected.querySelector(selector);
    if (event.key === "?") toggleHelp();
    else if (event.key === "Escape") toggleHelp(false);
    else if (!text) return; // the queue has no other keys
    else if (event.key === "j") select(list[Math.min(index + 1, list.length - 1)]);
    else if (event.key === "k") select(list[Math.max(index - 1, 0)]);
    else if (event.key === "a" && button("button.accept")) button("button.accept").click();
    else if (event.key === "n" && button("button.not-in-report")) button("button.not-in-report").click();
    else if (event.key === "u" && button("button.undo-button")) button("button.undo-button").click();
    else if (event.key === "s") useSelection();
    else if (event.key === "d") document.querySelector("button.done-button").click();
    else if (event.key === "e" && button(".value-input")) { event.preventDefault(); button(".value-input").focus(); button(".value-input").select(); }
    else if (/^[0-9]$/.test(event.key) && selected) {
      const pick = selected.querySelector(`.candidate[data-key="${event.key}"]`);
      if (pick) pick.click();
    } else return;
    event.preventDefault();
  });

  // A refused request: show the server's reason (Chinese) instead of failing silently.
  document.body.addEventListener("htmx:responseError", (event) => {
    let message = "操作失败";
    try { message = JSON.parse(event.detail.xhr.responseText).detail || message; } catch (e) { /* keep */ }
    toast(message);
  });

  // After a decision, keep the decided card selected and move on to the next open one.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("field")) return;
    const path = target.dataset.field;
    const fresh = byField(path);
    const list = cards();
    const stay = fresh && fresh.classList.contains("flagged");
    const flagged = (c) => c.classList.contains("flagged");
    const next = stay ? null : (list.slice(list.indexOf(fresh) + 1).find(flagged) || list.find(flagged));
    select(next || fresh, true);
    const open = document.querySelectorAll(".field.flagged").length;
    const counter = document.getElementById("open-count");
    if (counter) counter.textContent = open;
  });

  const first = cards().find((c) => c.classList.contains("flagged")) || cards()[0];
  select(first, false);
})();
