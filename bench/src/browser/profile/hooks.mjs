// Stage marks for the profile of @statesync/web's write path (`node bench/src/browser/profile/run.mjs`).
// Installed before the library runs: wraps the browser APIs the tab source calls and logs, on the clock shared by
// the tabs, when each stage of each commit happened. Nothing here changes what the calls do.
const now = () => performance.timeOrigin + performance.now();
const log = { commits: [], arrivals: [] };
let current; // the commit in progress (commits in one tab are sequential)
window.profileLog = () => log;

const request = LockManager.prototype.request;
LockManager.prototype.request = function (name, ...rest) {
  const callback = rest.pop();
  const commit = { lockRequested: now(), puts: [] };
  log.commits.push(commit);
  current = commit;
  const promise = request.call(this, name, ...rest, (lock) => {
    commit.lockGranted = now();
    return callback(lock);
  });
  promise.then(
    () => (commit.lockReleased = now()),
    () => (commit.lockReleased = now()),
  );
  return promise;
};

const transaction = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (...args) {
  const tx = transaction.apply(this, args);
  if (args[1] === 'readwrite') {
    // Without a Web Lock (or a second transaction in one lock), each read-write transaction is a commit.
    if (!current || current.txOpened) {
      current = { puts: [] };
      log.commits.push(current);
    }
    const commit = current;
    commit.txOpened = now();
    tx.addEventListener('complete', () => (commit.complete = now()));
  }
  return tx;
};
const get = IDBObjectStore.prototype.get;
IDBObjectStore.prototype.get = function (key) {
  const req = get.call(this, key);
  const commit = current;
  if (this.transaction.mode === 'readwrite' && commit)
    req.addEventListener('success', () => (commit.got = now()));
  return req;
};
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (value, key) {
  const at = now();
  const req = put.call(this, value, key);
  const entry = { data: value?.data, revision: value?.revision, issued: at };
  current?.puts.push(entry);
  req.addEventListener('success', () => (entry.done = now()));
  return req;
};
const post = BroadcastChannel.prototype.postMessage;
BroadcastChannel.prototype.postMessage = function (message) {
  if (current && message?.data !== undefined) current.posted = now();
  return post.call(this, message);
};
const Native = BroadcastChannel;
window.BroadcastChannel = class extends Native {
  constructor(name) {
    super(name);
    this.addEventListener('message', (e) => {
      const d = e.data;
      log.arrivals.push({ t: now(), data: typeof d === 'object' && d ? d.data : d });
    });
  }
};
