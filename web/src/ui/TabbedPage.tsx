import { useEffect, useRef, type ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router';

export interface PageTab {
  /** Below the page's base address ("with-me"). */
  path: string;
  label: string;
  icon: ReactNode;
  element: ReactNode;
}

interface TabbedPageProps {
  /** The page's address ("/shared"); its bare address and unknown ones go to the first tab. */
  base: string;
  title: string;
  /** The page's class ("shared-page"). */
  className: string;
  /** Added after "tabs" on the navigation ("shared-tabs"). */
  tabsClassName: string;
  /** The navigation's accessible name. */
  tabsLabel: string;
  tabs: readonly [PageTab, ...PageTab[]];
}

/** A page heading over tab links, each tab at its own address. */
export function TabbedPage({ base, title, className, tabsClassName, tabsLabel, tabs }: TabbedPageProps) {
  const first = `${base}/${tabs[0].path}`;
  const navRef = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  useEffect(() => {
    // On a phone the tabs scroll sideways: the open one is brought into view (the page itself stays put).
    const nav = navRef.current;
    const active = nav?.querySelector<HTMLElement>('.tab.active');
    if (!nav || !active) return;
    if (active.offsetLeft < nav.scrollLeft) nav.scrollLeft = active.offsetLeft;
    else if (active.offsetLeft + active.offsetWidth > nav.scrollLeft + nav.clientWidth) nav.scrollLeft = active.offsetLeft + active.offsetWidth - nav.clientWidth;
  }, [pathname]);
  return (
    <div className={className}>
      <div className="page-header">
        <h1>{title}</h1>
      </div>
      <nav ref={navRef} className={`tabs ${tabsClassName}`} aria-label={tabsLabel}>
        {tabs.map((tab) => (
          <NavLink key={tab.path} to={`${base}/${tab.path}`} className={({ isActive }) => (isActive ? 'tab active' : 'tab')}>
            {tab.icon}
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Navigate to={first} replace />} />
        {tabs.map((tab) => (
          <Route key={tab.path} path={tab.path} element={tab.element} />
        ))}
        <Route path="*" element={<Navigate to={first} replace />} />
      </Routes>
    </div>
  );
}
