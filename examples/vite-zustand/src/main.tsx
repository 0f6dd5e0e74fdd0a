import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { click, useSettings } from './settings';

/** Optional: a badge (status · revision) from the transport's handle. */
function useSyncBadge() {
  const connection = useSettings.sync?.connection;
  const [state, setState] = useState(() => connection?.getStatus());
  useEffect(() => connection?.onStatusChange(setState), [connection]);
  return state;
}

function App() {
  const { theme, fontSize, clicks, draft, toggleTheme, bigger, setDraft } = useSettings();
  const badge = useSyncBadge();
  return (
    <main data-theme={theme}>
      <h1>Settings</h1>
      <p>
        <output id="status">{badge?.status}</output> · r<output id="revision">{badge?.localRevision}</output>
      </p>
      <p>
        Theme: <output id="theme">{theme}</output>
      </p>
      <button id="toggle" type="button" onClick={toggleTheme}>
        Toggle theme
      </button>
      <p>
        Font size: <output id="fontSize">{fontSize}</output>
        <button id="bigger" type="button" onClick={bigger}>
          A+
        </button>
      </p>
      <p>
        Clicks (every tab): <output id="clicks">{clicks}</output>
      </p>
      <button id="click" type="button" onClick={() => void click()}>
        Click
      </button>
      <p>
        <label>
          Draft (this tab only) <input id="draft" value={draft} onChange={(e) => setDraft(e.target.value)} />
        </label>
      </p>
    </main>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
