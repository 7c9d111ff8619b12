// The copy buttons of the created invitation codes. Each button carries, in data-copy, the text it puts on
// the clipboard (the code, its organisation and its validity) and, in data-copied, what to announce after.
// Served as a file because the content security policy refuses inline scripts.
(function () {
  const status = document.getElementById('copie-etat');

  function copyWithSelection(text) {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    if (!copied) throw new Error('copy refused');
  }

  async function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return;
      } catch {
        // Permission refused: the older way may still work.
      }
    }
    copyWithSelection(text);
  }

  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', async () => {
      try {
        await copy(button.dataset.copy);
        status.textContent = button.dataset.copied;
      } catch {
        status.textContent = 'La copie a échoué : sélectionnez le code et copiez-le avec Ctrl+C.';
      }
    });
  }
})();
