// First: it configures zod before any schema is defined (see the module).
import '../../../../src/shared/zod-csp';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { initI18n, storedLanguage } from './i18n';
import './styles/console.css';

const language = storedLanguage();
await initI18n(language);
const root = document.getElementById('root');
if (root) createRoot(root).render(<App initialLanguage={language} />);
