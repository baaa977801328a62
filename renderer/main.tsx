/**
 * Renderer entry. `window.heso` comes from the Electron preload; in a plain browser (the
 * loopback web host) the web bridge installs it over the host's RPC. The development build
 * (`vite build --mode fake`) installs an in-memory fake instead; production builds drop
 * that branch at compile time.
 */
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';

async function ensureBridge(): Promise<void> {
  if (window.heso) return;
  if (__HESO_FAKE_BRIDGE__) {
    const { installFakeBridge } = await import('./dev/fake-bridge.ts');
    installFakeBridge();
    return;
  }
  await import('./bridge/web-bridge.ts');
}

function showFatal(root: HTMLElement, message: string): void {
  const box = document.createElement('div');
  box.className = 'fatal';
  box.setAttribute('role', 'alert');
  box.textContent = message;
  root.replaceChildren(box);
}

const root = document.getElementById('root');
if (root) {
  ensureBridge().then(
    () => {
      if (!window.heso) {
        showFatal(root, 'The approver could not connect to its engine. Restart the app (or npm start).');
        return;
      }
      createRoot(root).render(<App />);
    },
    () => showFatal(root, 'The approver could not load its bridge to the engine. Restart the app (or npm start).'),
  );
}
