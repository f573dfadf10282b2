import type { ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';

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
  return (
    <div className={className}>
      <div className="page-header">
        <h1>{title}</h1>
      </div>
      <nav className={`tabs ${tabsClassName}`} aria-label={tabsLabel}>
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
