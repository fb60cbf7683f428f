// The dashboard: a Preact single-page app over the server's own HTTP API (main.tsx is its entry; scripts/build.ts bundles it into one script, one style sheet and index.html).
// It must never hold data of its own nor reach anything but /api/v1 of the server that serves it, and it keeps the token in the tab's sessionStorage only, never in a cookie.
export const WEB_ENTRY = 'src/server/web/main.tsx';
export const WEB_STYLE = 'src/server/web/style.css';
export const WEB_PAGE = 'src/server/web/index.html';
