import { describe, expect, it } from 'vitest';
import { clientGuides, shellQuote, webDavEndpoint } from './webdav';

describe('webDavEndpoint', () => {
  it('puts WebDAV under /dav/ of the page origin', () => {
    expect(webDavEndpoint('https://files.example.org')).toEqual({ url: 'https://files.example.org/dav/', host: 'files.example.org', secure: true, localhost: false });
    expect(webDavEndpoint('http://localhost:8080')).toMatchObject({ url: 'http://localhost:8080/dav/', secure: false, localhost: true });
    expect(webDavEndpoint('http://[::1]:8080').localhost).toBe(true);
  });
});

describe('shellQuote', () => {
  it('leaves plain values alone and quotes the rest safely', () => {
    expect(shellQuote('ada')).toBe('ada');
    expect(shellQuote('abcde-FGHJK-23456')).toBe('abcde-FGHJK-23456');
    expect(shellQuote("o'brien smith")).toBe(`'o'\\''brien smith'`);
  });
});

describe('clientGuides', () => {
  it('fills in the address, username and password for each client', () => {
    const guides = clientGuides(webDavEndpoint('https://files.example.org'), 'ada', 'abcde-fghij');
    const byId = Object.fromEntries(guides.map((g) => [g.id, g]));
    expect(Object.keys(byId)).toEqual(['finder', 'windows', 'gnome', 'rclone', 'curl']);
    expect(byId.finder!.steps.join(' ')).toContain('Go → Connect to Server');
    expect(byId.finder!.steps.join(' ')).toContain('https://files.example.org/dav/');
    expect(byId.gnome!.steps.join(' ')).toContain('davs://files.example.org/dav/');
    expect(byId.rclone!.commands![0]).toBe('rclone config create coffer webdav url https://files.example.org/dav/ vendor other user ada pass $(rclone obscure abcde-fghij)');
    expect(byId.curl!.commands![0]).toBe('curl -u ada:abcde-fghij https://files.example.org/dav/');
    expect(byId.windows!.warning).not.toContain('refuses');
  });

  it('warns that Windows refuses plain HTTP away from localhost, and uses dav:// for GNOME', () => {
    const guides = clientGuides(webDavEndpoint('http://nas.lan:8080'), 'ada', 'p');
    expect(guides.find((g) => g.id === 'windows')!.warning).toContain('refuses');
    expect(guides.find((g) => g.id === 'gnome')!.steps.join(' ')).toContain('dav://nas.lan:8080/dav/');
  });
});
