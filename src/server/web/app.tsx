import { useEffect, useState } from 'preact/hooks';
import { get, session } from './api.ts';
import { type Access, AccessContext, Empty, Loading, PageTitle } from './components.tsx';
import { useHash } from './hooks.ts';
import { BackupPage } from './pages/backup.tsx';
import { BackupsPage } from './pages/backups.tsx';
import { ContentsPage } from './pages/contents.tsx';
import { DrillPage, DrillsPage } from './pages/drills.tsx';
import { FleetPage } from './pages/fleet.tsx';
import { LocationsPage } from './pages/locations.tsx';
import { RestoreNewPage } from './pages/restore-new.tsx';
import { RestorePage, RestoresPage } from './pages/restores.tsx';
import { SchedulesPage } from './pages/schedules.tsx';
import { SignInPage } from './pages/signin.tsx';
import { parseRoute, type Route } from './router.ts';

const NAV: readonly [string, string, readonly Route['page'][]][] = [
  ['#/', 'Fleet', ['fleet']],
  ['#/backups', 'Backups', ['backups', 'backup', 'contents']],
  ['#/restores', 'Restores', ['restores', 'restore', 'restore-new']],
  ['#/schedules', 'Schedules', ['schedules']],
  ['#/locations', 'Locations', ['locations']],
  ['#/drills', 'Drills', ['drills', 'drill']],
];

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'fleet':
      return <FleetPage />;
    case 'backups':
      return <BackupsPage filters={route.filters} />;
    case 'backup':
      return <BackupPage name={route.name} cluster={route.cluster} />;
    case 'contents':
      return <ContentsPage name={route.name} cluster={route.cluster} params={route.params} />;
    case 'restores':
      return <RestoresPage />;
    case 'restore-new':
      return <RestoreNewPage params={route.params} />;
    case 'restore':
      return <RestorePage name={route.name} cluster={route.cluster} params={route.params} />;
    case 'schedules':
      return <SchedulesPage />;
    case 'locations':
      return <LocationsPage />;
    case 'drills':
      return <DrillsPage />;
    case 'drill':
      return <DrillPage name={route.name} />;
    case 'not-found':
      return (
        <>
          <PageTitle>Not found</PageTitle>
          <Empty>The dashboard has no page at {route.path}.</Empty>
        </>
      );
  }
}

const NOTHING_ALLOWED: Access = { allowed: {}, restoreEnabled: false };

/** The signed-in frame: navigation, the caller's access, and the page of the location's hash. */
export function App() {
  const hash = useHash();
  const [signedIn, setSignedIn] = useState(session.token() !== null);
  const [access, setAccess] = useState<Access | undefined>();
  useEffect(() => {
    const out = () => setSignedIn(false);
    window.addEventListener('lifeboat:signed-out', out);
    return () => window.removeEventListener('lifeboat:signed-out', out);
  }, []);
  useEffect(() => {
    if (!signedIn) return;
    setAccess(undefined);
    get<Access>('/api/v1/access').then(setAccess, () => setAccess(NOTHING_ALLOWED));
  }, [signedIn]);
  const route = parseRoute(hash);
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
    document.title = `${document.querySelector('main h1')?.textContent ?? 'lifeboat'} · lifeboat`;
  }, [hash, signedIn]);
  if (!signedIn) return <SignInPage onSignedIn={() => setSignedIn(true)} />;
  const known = access ?? NOTHING_ALLOWED;
  const allowed = {
    ...known.allowed,
    'restores.create': known.allowed['restores.create'] === true && known.restoreEnabled,
  };
  return (
    <AccessContext.Provider value={{ ...known, allowed }}>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <span class="brand">lifeboat</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([to, label, pages]) => (
              <li key={to}>
                <a href={to} aria-current={pages.includes(route.page) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="user">{known.user ?? ''}</span>
        <button type="button" class="link" onClick={() => session.signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {access === undefined ? <Loading /> : <Page route={route} />}
      </main>
    </AccessContext.Provider>
  );
}
