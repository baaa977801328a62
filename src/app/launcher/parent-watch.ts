/**
 * Notices when the process that started us is gone, so `npm run demo` / `npm start` stop
 * cleanly when their top process is signalled.
 *
 * Why: npm runs a script through `sh -c`, and passes a SIGINT or SIGTERM it receives to that
 * shell only; the shell dies of it without telling us, and we would run on as an orphan
 * (servers, temp data and keychain items left behind). A terminal's Ctrl-C reaches us
 * directly, but `kill <npm's pid>`, a supervisor or `docker stop` do not. Node has no
 * parent-death signal, so we look at our parent pid: it changes when we are re-parented.
 */
const POLL_MS = 250;

/** Calls `onGone` once when our parent process exits. Returns a function that stops watching. */
export function watchParent(onGone: () => void, pollMs = POLL_MS): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, pollMs);
  timer.unref(); // never what keeps the process alive
  return () => clearInterval(timer);
}
