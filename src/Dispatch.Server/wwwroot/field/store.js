// The field app's local store (IndexedDB): the queue of what the crew did, in the order it did it, kept until the
// server has it; and what the phone last knew (the unit, its job, its messages, its reports) so it opens offline.
// Everything is kept per sign-in: a phone shared by two crews never sends one crew's steps as the other's.
'use strict';

window.fieldStore = (function () {
  const NAME = 'dispatch-field';
  const VERSION = 1;
  let opened = null;

  function open() {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        // key: an increasing number, so the queue reads back in the order it was written.
        if (!db.objectStoreNames.contains('queue')) db.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true });
        // key: "<login>/<name>": the last known unit line, job, messages, reports.
        if (!db.objectStoreNames.contains('kept')) db.createObjectStore('kept');
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return opened;
  }

  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function tx(store, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      let result;
      Promise.resolve(work(t.objectStore(store))).then((r) => { result = r; }, reject);
      t.oncomplete = () => resolve(result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }

  return {
    // Adds an item at the end of the queue; answers its number.
    add: (item) => tx('queue', 'readwrite', (s) => done(s.add(item))),
    // Every queued item of this sign-in, oldest first.
    all: (login) => tx('queue', 'readonly', (s) => done(s.getAll())).then((items) => items.filter((i) => i.login === login)),
    remove: (seq) => tx('queue', 'readwrite', (s) => done(s.delete(seq))),
    update: (item) => tx('queue', 'readwrite', (s) => done(s.put(item))),
    get: (login, name) => tx('kept', 'readonly', (s) => done(s.get(login + '/' + name))),
    put: (login, name, value) => tx('kept', 'readwrite', (s) => done(s.put(value, login + '/' + name))),
  };
})();
