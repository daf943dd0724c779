// Chat (Components/Chat): a message list follows new messages while its reader is at its bottom; in the message box,
// Tab takes the first suggestion, and a click on a suggestion leaves the focus in the box.
(() => {
  const nearBottom = (el) => el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  // Per list: was the reader at the bottom when they last scrolled (unknown for a list just shown: follow it).
  const following = new WeakMap();

  document.addEventListener('scroll', (e) => {
    const t = e.target;
    if (t instanceof Element && t.matches('[data-chat-follow]')) following.set(t, nearBottom(t));
  }, true);

  new MutationObserver((records) => {
    if (!document.querySelector('[data-chat-follow]')) return;
    const lists = new Set();
    for (const r of records) {
      const node = r.target instanceof Element ? r.target : r.target.parentElement;
      const list = node && node.closest('[data-chat-follow]');
      if (list) lists.add(list);
    }
    for (const list of lists) if (following.get(list) !== false) list.scrollTop = list.scrollHeight;
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });

  document.addEventListener('keydown', (e) => {
    const t = e.target;
    if (e.key !== 'Tab' || e.shiftKey || e.altKey || e.ctrlKey || !(t instanceof HTMLTextAreaElement) || !t.closest('[data-chat-complete]')) return;
    const first = t.form && t.form.querySelector('.chat-completion');
    if (first) { e.preventDefault(); first.click(); }
  });

  document.addEventListener('mousedown', (e) => {
    if (e.target instanceof Element && e.target.closest('.chat-completion')) e.preventDefault();
  });
})();
